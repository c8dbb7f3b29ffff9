namespace Countercurrent.Contracts.Signals;

/// <summary>What the top layer found for an evaluation batch: how many it got right, of how many, and the summed loss.</summary>
[GenerateSerializer, Immutable, Alias("cc.EvalTally")]
public sealed record EvalTally([property: Id(0)] int Correct, [property: Id(1)] int Count, [property: Id(2)] double LossSum)
{
    public static EvalTally operator +(EvalTally a, EvalTally b) => new(a.Correct + b.Correct, a.Count + b.Count, a.LossSum + b.LossSum);
}
