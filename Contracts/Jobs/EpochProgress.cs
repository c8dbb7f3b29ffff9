namespace Countercurrent.Contracts.Jobs;

/// <summary>
/// What the steps of an epoch before a mid-epoch checkpoint added up to: samples, training seconds, and each layer's
/// loss sum and count. A job that rewinds to the checkpoint starts its tallies from these, so the epoch's figures
/// (mean loss, samples/s, seconds) cover the whole epoch, not only the steps after the rewind.
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.EpochProgress")]
public sealed record EpochProgress(
    [property: Id(0)] long Samples,
    [property: Id(1)] double Seconds,
    [property: Id(2)] double[] LossSums,
    [property: Id(3)] int[] LossCounts);
