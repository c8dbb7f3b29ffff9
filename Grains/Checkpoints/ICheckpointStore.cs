namespace Countercurrent.Grains.Checkpoints;

/// <summary>
/// Where layers write their state for a checkpoint and read it back after a crash or restart. Keyed by job, checkpoint
/// id and layer. Writing a layer's state does not make a checkpoint usable: the job commits a checkpoint id only after
/// every layer wrote, and only committed ids are ever read.
/// </summary>
public interface ICheckpointStore
{
    Task Write(string jobId, long checkpoint, int layer, byte[] state);

    /// <summary>The state a layer wrote; <see cref="CheckpointMissingException"/> when there is none.</summary>
    Task<byte[]> Read(string jobId, long checkpoint, int layer);

    /// <summary>Removes every checkpoint of the job whose id is not in <paramref name="keep"/> (the latest and the best).</summary>
    Task DeleteExcept(string jobId, IReadOnlyCollection<long> keep);
}
