using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Training;

/// <summary>The outcome of a training run: per-epoch history, final test accuracy and training throughput.</summary>
public sealed record TrainingResult(EpochResult[] History, LossPoint[] LossCurve, double ElapsedSeconds)
{
    public double TestAccuracy => History.Length > 0 ? History[^1].TestAccuracy : 0;

    /// <summary>Training samples per second over all epochs (evaluation time excluded).</summary>
    public double SamplesPerSecond { get; init; }
}
