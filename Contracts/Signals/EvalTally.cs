namespace Countercurrent.Contracts.Signals;

/// <summary>What the top layer found for an evaluation batch: how many it got right, of how many, and the summed loss.</summary>
[GenerateSerializer, Immutable, Alias("cc.EvalTally")]
public sealed record EvalTally([property: Id(0)] int Correct, [property: Id(1)] int Count, [property: Id(2)] double LossSum)
{
    public static EvalTally operator +(EvalTally a, EvalTally b) => new(a.Correct + b.Correct, a.Count + b.Count, a.LossSum + b.LossSum);

    /// <summary>The fraction of samples classified right.</summary>
    public double Accuracy => (double)Correct / Count;

    /// <summary>The loss per sample.</summary>
    public double MeanLoss => LossSum / Count;
}
