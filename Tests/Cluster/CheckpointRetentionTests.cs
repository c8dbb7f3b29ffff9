using Countercurrent.Client.Commands;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Cluster;

/// <summary>A job keeps only its latest (and best) checkpoint, and a finished job's checkpoints can be deleted, as an embedded run does at its end.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckpointRetentionTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_finished_job_keeps_only_its_latest_checkpoint()
    {
        var spec = JobSpecs.Short("retention-latest") with { Epochs = 2, CheckpointEvery = 3 };
        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);

        var status = await JobWaiter.Finished(fixture.Client, spec.JobId);

        Assert.Equal(JobState.Completed, status.State);
        Assert.True(status.Checkpoint!.Id >= 6, $"checkpoint {status.Checkpoint.Id}: one at the start, every 3 steps and after each epoch");
        Assert.Equal([$"{status.Checkpoint.Id}"], CheckpointFolders(spec.JobId));
    }

    [Fact]
    public async Task Deleting_a_finished_jobs_checkpoints_removes_them_all_and_export_then_says_there_is_none()
    {
        const string id = "retention-deleted";
        var job = fixture.Client.GetGrain<IJobGrain>(id);
        await job.Start(JobSpecs.Short(id));
        await JobWaiter.Finished(fixture.Client, id);
        Assert.NotEmpty(CheckpointFolders(id));

        await job.DeleteCheckpoints();

        Assert.False(Directory.Exists(Path.Combine(fixture.CheckpointFolder, id)), "the job's checkpoint folder is left");
        Assert.Null((await job.GetStatus()).Checkpoint);
        using var folder = new TempDirectory();
        var error = await Assert.ThrowsAsync<JobStateException>(() => ModelCommands.Export(fixture.Client, id, folder.File("model")));
        Assert.Contains("no committed checkpoint", error.Message);
    }

    [Fact]
    public async Task A_running_jobs_checkpoints_are_not_deleted()
    {
        const string id = "retention-running";
        var job = fixture.Client.GetGrain<IJobGrain>(id);
        await job.Start(JobSpecs.Endless(id));

        var error = await Assert.ThrowsAsync<JobStateException>(job.DeleteCheckpoints);
        await job.Cancel();

        Assert.Equal(JobState.Running, error.State);
        Assert.NotEmpty(CheckpointFolders(id));
    }

    private string[] CheckpointFolders(string jobId)
    {
        var folder = Path.Combine(fixture.CheckpointFolder, jobId);
        return Directory.Exists(folder) ? Directory.GetDirectories(folder).Select(d => Path.GetFileName(d)).Order().ToArray() : [];
    }
}
