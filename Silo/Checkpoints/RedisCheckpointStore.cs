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

    public async Task DeleteBefore(string jobId, long keepFrom)
    {
        var job = CheckpointKeys.CheckedJobId(jobId);
        var old = await Database.SortedSetRangeByScoreAsync(IdsKey(job), double.NegativeInfinity, keepFrom, Exclude.Stop);
        foreach (var entry in old)
        {
            var parts = entry.ToString().Split(':');
            await Database.KeyDeleteAsync(Key(job, long.Parse(parts[0]), int.Parse(parts[1])));
        }
        await Database.SortedSetRemoveRangeByScoreAsync(IdsKey(job), double.NegativeInfinity, keepFrom, Exclude.Stop);
    }

    private static RedisKey Key(string job, long checkpoint, int layer) => $"countercurrent:checkpoint:{job}:{checkpoint}:{layer}";

    private static RedisKey IdsKey(string job) => $"countercurrent:checkpoints:{job}";
}
