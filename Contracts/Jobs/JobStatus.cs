namespace Countercurrent.Contracts.Jobs;

/// <summary>A job's state as the client sees it; persisted by the job grain.</summary>
[GenerateSerializer, Immutable, Alias("cc.JobStatus")]
public sealed record JobStatus
{
    [Id(0)] public string JobId { get; init; } = "";
    [Id(1)] public JobState State { get; init; }
    [Id(2)] public JobSpec? Spec { get; init; }
    [Id(3)] public int Epoch { get; init; }
    [Id(4)] public long StepInEpoch { get; init; }
    [Id(5)] public long StepsPerEpoch { get; init; }
    [Id(6)] public long StepsDone { get; init; }
    [Id(7)] public double SamplesPerSecond { get; init; }
    [Id(8)] public EpochResult[] History { get; init; } = [];
    [Id(9)] public LayerStatus[] Layers { get; init; } = [];
    [Id(10)] public JobFailure? Failure { get; init; }
    [Id(11)] public DateTimeOffset? StartedAt { get; init; }
    [Id(12)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(13)] public int StepsInFlight { get; init; }

    /// <summary>Training loss per layer along the run, about twenty points per epoch: the learning curve.</summary>
    [Id(14)] public LossPoint[] LossCurve { get; init; } = [];

    /// <summary>The last committed checkpoint; training resumes from it after a crash or restart.</summary>
    [Id(15)] public CheckpointInfo? Checkpoint { get; init; }

    /// <summary>Every recovery from a lost layer, silo or job activation, oldest first.</summary>
    [Id(16)] public RecoveryRecord[] Recoveries { get; init; } = [];

    /// <summary>The silo the job's coordinator runs on.</summary>
    [Id(17)] public string JobSilo { get; init; } = "";

    /// <summary>
    /// With a validation split: the end-of-epoch checkpoint of the epoch with the lowest validation loss so far
    /// (<see cref="CheckpointInfo.Epoch"/> is that epoch's number). Never pruned. A completed job's layers hold its
    /// weights, and export reads it. Null without a validation split or before the first epoch ends.
    /// </summary>
    [Id(18)] public CheckpointInfo? Best { get; init; }

    public bool IsFinished => State is JobState.Completed or JobState.Failed or JobState.Cancelled;

    /// <summary>The epoch and step as people count them (1-based epoch; a finished job at its last step).</summary>
    public JobPosition Position() => JobPosition.Of(this);

    /// <summary>The test accuracy of the last evaluated epoch; null before any epoch was evaluated.</summary>
    public double? LatestTestAccuracy() => History.Length > 0 ? History[^1].TestAccuracy : null;

    /// <summary>The best epoch's result (see <see cref="Best"/>), or null.</summary>
    public EpochResult? BestEpoch() => Best is { HistoryLength: > 0 } b && b.HistoryLength <= History.Length ? History[b.HistoryLength - 1] : null;

    /// <summary>
    /// The checkpoint whose weights are the job's model: the best epoch's for a completed job with a validation split
    /// (its layers were restored from it), otherwise the last committed one.
    /// </summary>
    public CheckpointInfo? ModelCheckpoint() => State == JobState.Completed && Best is not null ? Best : Checkpoint;

    /// <summary>For a completed job, the epoch whose weights it ended with (the best one with a validation split, else the last); otherwise null.</summary>
    public EpochResult? ModelEpoch() => State != JobState.Completed ? null : Best is not null ? BestEpoch() : History.LastOrDefault();
}
