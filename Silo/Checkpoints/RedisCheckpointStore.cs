using Countercurrent.Grains.Checkpoints;
using StackExchange.Redis;

namespace Countercurrent.Silo.Checkpoints;

/// <summary>
/// Checkpoints in Redis, shared by every silo of a cluster: one key per layer state
/// (countercurrent:checkpoint:{job}:{id}:{layer}) and a sorted set of a job's checkpoint ids for clean-up.
/// </summary>
public sealed class RedisCheckpointStore(IConnectionMultiplexer redis) : ICheckpointStore
{
    private IDatabase Database => redis.GetDatabase();

    public async Task Write(string jobId, long checkpoint, int layer, byte[] state)
    {
        var job = CheckpointKeys.CheckedJobId(jobId);
        await Database.StringSetAsync(Key(job, checkpoint, layer), state);
        await Database.SortedSetAddAsync(IdsKey(job), $"{checkpoint}:{layer}", checkpoint);
    }

    public async Task<byte[]> Read(string jobId, long checkpoint, int layer)
    {
        var value = await Database.StringGetAsync(Key(CheckpointKeys.CheckedJobId(jobId), checkpoint, layer));
        return value.IsNull
            ? throw new CheckpointMissingException($"checkpoint {checkpoint} of job {jobId} has no state for layer {layer} in Redis")
            : (byte[])value!;
    }

    public async Task DeleteExcept(string jobId, IReadOnlyCollection<long> keep)
    {
        var job = CheckpointKeys.CheckedJobId(jobId);
        foreach (var entry in await Database.SortedSetRangeByRankAsync(IdsKey(job)))
        {
            var parts = entry.ToString().Split(':');
            var checkpoint = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            if (!keep.Contains(checkpoint))
            {
                await Database.KeyDeleteAsync(Key(job, checkpoint, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
                await Database.SortedSetRemoveAsync(IdsKey(job), entry);
            }
        }
    }

    private static RedisKey Key(string job, long checkpoint, int layer) => $"countercurrent:checkpoint:{job}:{checkpoint}:{layer}";

    private static RedisKey IdsKey(string job) => $"countercurrent:checkpoints:{job}";
}
