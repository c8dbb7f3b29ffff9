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

    /// <summary>
    /// Makes sure a running job is training: after a whole-cluster restart this activates the job, which restores its
    /// layers from the last committed checkpoint and goes on. A no-op for a job that is training or finished.
    /// </summary>
    [Alias("Resume")]
    Task<JobStatus> Resume();

    /// <summary>The full state of one layer as of the last committed checkpoint (for export).</summary>
    [Alias("ExportLayer")]
    Task<byte[]> ExportLayer(int layer);
}
