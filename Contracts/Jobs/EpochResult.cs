namespace Countercurrent.Contracts.Jobs;

/// <summary>What one epoch achieved: mean training loss per layer, test accuracy and loss, and throughput.</summary>
[GenerateSerializer, Immutable, Alias("cc.EpochResult")]
public sealed record EpochResult(
    [property: Id(0)] int Epoch,
    [property: Id(1)] float[] LayerLosses,
    [property: Id(2)] double TestAccuracy,
    [property: Id(3)] double TestLoss,
    [property: Id(4)] double SamplesPerSecond,
    [property: Id(5)] double Seconds);
