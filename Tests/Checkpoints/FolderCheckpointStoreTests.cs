using Countercurrent.Grains.Checkpoints;

namespace Countercurrent.Tests.Checkpoints;

/// <summary>The folder checkpoint store: round trip, clean-up (keeping the latest and the best), and no way out of its folder.</summary>
public sealed class FolderCheckpointStoreTests : IDisposable
{
    private readonly TempDirectory _root = new();

    [Fact]
    public async Task A_written_state_reads_back_and_older_checkpoints_are_deleted()
    {
        var store = new FolderCheckpointStore(_root.Path);
        await store.Write("job-1", 3, 0, [1, 2, 3]);
        await store.Write("job-1", 4, 0, [4, 5]);

        await store.DeleteExcept("job-1", [4]);

        Assert.Equal([4, 5], await store.Read("job-1", 4, 0));
        var missing = await Assert.ThrowsAsync<CheckpointMissingException>(() => store.Read("job-1", 3, 0));
        Assert.Contains("checkpoint 3 of job job-1", missing.Message);
        Assert.Empty(Directory.GetFiles(_root.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public Task Pruning_keeps_the_latest_and_the_best_checkpoint_and_nothing_else() =>
        CheckpointPruning.KeepsTheLatestAndTheBest(new FolderCheckpointStore(_root.Path));

    [Theory]
    [InlineData("../escape")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("/etc")]
    [InlineData("")]
    public async Task A_job_id_that_would_leave_the_folder_is_refused(string jobId)
    {
        var store = new FolderCheckpointStore(Path.Combine(_root.Path, "inner"));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.Write(jobId, 0, 0, [1]));

        Assert.Contains("checkpoint", error.Message);
        Assert.Empty(Directory.GetFiles(_root.Path, "*", SearchOption.AllDirectories));
    }

    public void Dispose() => _root.Dispose();
}
