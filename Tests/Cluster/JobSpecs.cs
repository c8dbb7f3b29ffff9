using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Cluster;

/// <summary>Small jobs for the tests of a job's life (submission, resume, export, checkpoints): seconds, not minutes.</summary>
public static class JobSpecs
{
    /// <summary>Two layers on the synthetic set, one epoch of 8 steps.</summary>
    public static JobSpec Short(string jobId) => new()
    {
        JobId = jobId,
        Dataset = "synthetic",
        SyntheticSamples = 256,
        Model = "mlp:784-16-10",
        BatchSize = 32,
        Epochs = 1,
        Seed = 3,
        MaxEvalSamples = 256,
    };

    /// <summary>A job that runs until it is cancelled (a thousand epochs), with a checkpoint every 5 steps.</summary>
    public static JobSpec Endless(string jobId) => Short(jobId) with { Epochs = 1000, CheckpointEvery = 5 };
}
