using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Training;

/// <summary>
/// The outcome of a training run: per-epoch history, the test accuracy of the model it ended with, and training
/// throughput. With a validation set the run ends with the weights of <see cref="Best"/>, the epoch with the lowest
/// validation loss; without one, with the last epoch's.
/// </summary>
public sealed record TrainingResult(EpochResult[] History, LossPoint[] LossCurve, double ElapsedSeconds)
{
    /// <summary>The epoch with the lowest validation loss, whose weights the layers hold at the end; null without a validation set.</summary>
    public EpochResult? Best { get; init; }

    /// <summary>The epoch whose weights the run ended with: <see cref="Best"/>, or the last one.</summary>
    public EpochResult? Final => Best ?? (History.Length > 0 ? History[^1] : null);

    /// <summary>Test accuracy of the model the run ended with (<see cref="Final"/>).</summary>
    public double TestAccuracy => Final?.TestAccuracy ?? 0;

    /// <summary>Training samples per second over all epochs (evaluation time excluded).</summary>
    public double SamplesPerSecond { get; init; }
}
