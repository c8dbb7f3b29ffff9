namespace Countercurrent.Contracts.Signals;

/// <summary>
/// Returned along a call chain when a step's signals have been handled: the local losses of the layers the chain
/// passed through and, for an evaluation step, the top layer's tally. Lets the job collect per-layer losses without
/// any extra message.
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.StepReport")]
public sealed record StepReport(
    [property: Id(0)] long Step,
    [property: Id(1)] LayerLoss[] Losses,
    [property: Id(2)] EvalTally? Eval = null)
{
    public static StepReport Empty(long step) => new(step, []);

    public StepReport With(LayerLoss? loss) =>
        loss is { } l ? this with { Losses = [.. Losses, l] } : this;

    public static StepReport Merge(long step, IEnumerable<StepReport> reports)
    {
        var list = reports.ToList();
        return new StepReport(
            step,
            [.. list.SelectMany(r => r.Losses)],
            list.Select(r => r.Eval).Where(e => e is not null).Aggregate((EvalTally?)null, (a, b) => a is null ? b : a + b!));
    }
}
