using Countercurrent.Silo.Checkpoints;
using Countercurrent.Tests.EndToEnd;
using StackExchange.Redis;

namespace Countercurrent.Tests.Checkpoints;

/// <summary>The Redis checkpoint store against a throw-away redis-server: round trip and pruning.</summary>
public sealed class RedisCheckpointStoreTests
{
    [Fact]
    public async Task Pruning_keeps_the_latest_and_the_best_checkpoint_and_nothing_else()
    {
        using var server = await RedisServer.Start();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);

        await CheckpointPruning.KeepsTheLatestAndTheBest(new RedisCheckpointStore(redis));

        // Deleted layer states leave no key behind, and the id index holds only what is kept.
        var database = redis.GetDatabase();
        Assert.Equal(["7:0"], (await database.SortedSetRangeByRankAsync("countercurrent:checkpoints:pruned")).Select(v => v.ToString()));
        Assert.False(await database.KeyExistsAsync("countercurrent:checkpoint:pruned:3:0"));
        Assert.False(await database.KeyExistsAsync("countercurrent:checkpoint:pruned:2:1"));
        Assert.True(await database.KeyExistsAsync("countercurrent:checkpoint:other-job:1:0"));
    }
}
