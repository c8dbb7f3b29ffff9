using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Cluster;

/// <summary>`resume` wakes a running job and refuses one that has finished, saying so.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ResumeTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_running_job_is_resumed_and_a_finished_one_cannot_be()
    {
        var job = fixture.Client.GetGrain<IJobGrain>("resume-running");
        await job.Start(JobSpecs.Endless("resume-running"));

        var resumed = await job.Resume();
        Assert.Equal(JobState.Running, resumed.State);

        var cancelled = await job.Cancel();
        Assert.Equal(JobState.Cancelled, cancelled.State);
        var error = await Assert.ThrowsAsync<JobStateException>(job.Resume);
        Assert.Equal(JobState.Cancelled, error.State);
        Assert.Contains("job resume-running is Cancelled", error.Message);
        Assert.Contains("only a running job can be resumed", error.Message);
    }

    [Fact]
    public async Task A_completed_job_cannot_be_resumed()
    {
        var job = fixture.Client.GetGrain<IJobGrain>("resume-completed");
        await job.Start(JobSpecs.Short("resume-completed"));
        await JobWaiter.Finished(fixture.Client, "resume-completed");

        var error = await Assert.ThrowsAsync<JobStateException>(job.Resume);

        Assert.Equal(JobState.Completed, error.State);
        Assert.Contains("is Completed (epoch 1/1, step 8/8)", error.Message);
    }
}
