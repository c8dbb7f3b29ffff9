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
    /// Wakes a running job's coordinator: after a whole-cluster restart (or the loss of its silo) a job goes on as soon
    /// as its grain is activated again, which any call does; this is the call that does only that. Throws
    /// <see cref="JobStateException"/> for a job that has finished (completed, failed or cancelled): it cannot be resumed.
    /// </summary>
    [Alias("Resume")]
    Task<JobStatus> Resume();

    /// <summary>
    /// The full state of one layer in a committed checkpoint of the job (the latest, or the best one), for export.
    /// Throws <c>CheckpointMissingException</c> when the job no longer keeps that checkpoint (a running job commits
    /// newer ones and deletes the older).
    /// </summary>
    [Alias("ExportCheckpointLayer")]
    Task<byte[]> ExportLayer(long checkpoint, int layer);

    /// <summary>
    /// Deletes every checkpoint of a finished job, and with them its model (export then has nothing to read): for a job
    /// whose state ends with its process, such as an embedded `train`. Throws <see cref="JobStateException"/> for a job
    /// that is still running. Nothing to do for a job the cluster does not know.
    /// </summary>
    [Alias("DeleteCheckpoints")]
    Task DeleteCheckpoints();
}
