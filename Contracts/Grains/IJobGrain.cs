using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Contracts.Grains;

/// <summary>Coordinates one training job, keyed by job id: places the layers, feeds batches, evaluates, reports status.</summary>
[Alias("cc.IJobGrain")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>Validates the spec, builds the layers and starts training; returns once training is under way.</summary>
    [Alias("Start")]
    Task<JobStatus> Start(JobSpec spec);

    [Alias("GetStatus")]
    Task<JobStatus> GetStatus();

    /// <summary>Stops feeding steps, waits for those in flight and releases the layers.</summary>
    [Alias("Cancel")]
    Task<JobStatus> Cancel();
}
