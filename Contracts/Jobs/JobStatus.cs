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

    public bool IsFinished => State is JobState.Completed or JobState.Failed or JobState.Cancelled;
}
