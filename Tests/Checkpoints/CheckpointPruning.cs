using Countercurrent.Grains.Checkpoints;

namespace Countercurrent.Tests.Checkpoints;

/// <summary>What every checkpoint store must do when a job prunes: keep exactly the ids it names, for every layer, and leave other jobs alone.</summary>
public static class CheckpointPruning
{
    public static async Task KeepsTheLatestAndTheBest(ICheckpointStore store)
    {
        for (var id = 0L; id <= 6; id++)
        {
            for (var layer = 0; layer < 2; layer++)
            {
                await store.Write("pruned", id, layer, [(byte)id, (byte)layer]);
            }
        }
        await store.Write("other-job", 1, 0, [42]);

        // Checkpoint 6 is the latest, 2 the best epoch's (lower than several deleted ones, and not the newest).
        await store.DeleteExcept("pruned", [6, 2]);

        for (var layer = 0; layer < 2; layer++)
        {
            Assert.Equal([6, (byte)layer], await store.Read("pruned", 6, layer));
            Assert.Equal([2, (byte)layer], await store.Read("pruned", 2, layer));
            foreach (var gone in new long[] { 0, 1, 3, 4, 5 })
            {
                var missing = await Assert.ThrowsAsync<CheckpointMissingException>(() => store.Read("pruned", gone, layer));
                Assert.Contains($"checkpoint {gone} of job pruned", missing.Message);
            }
        }
        Assert.Equal([42], await store.Read("other-job", 1, 0));

        // The next prune drops the old best once a new one replaces it, and keeps a checkpoint that is both.
        await store.Write("pruned", 7, 0, [7]);
        await store.DeleteExcept("pruned", [7, 7]);
        Assert.Equal([7], await store.Read("pruned", 7, 0));
        await Assert.ThrowsAsync<CheckpointMissingException>(() => store.Read("pruned", 6, 0));
        await Assert.ThrowsAsync<CheckpointMissingException>(() => store.Read("pruned", 2, 1));
    }
}
