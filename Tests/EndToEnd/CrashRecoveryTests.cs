using Countercurrent.Client.Commands;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Tests.Cluster;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>Real silo processes killed with SIGKILL mid-job: the job recovers from its last committed checkpoint.</summary>
public sealed class CrashRecoveryTests
{
    private static JobSpec Spec(string jobId) => new()
    {
        JobId = jobId,
        Dataset = "synthetic",
        SyntheticSamples = 8192,
        Model = "mlp:784-64x5-10",
        Optimizer = "adam",
        LearningRate = 0.002,
        BatchSize = 32,
        Epochs = 2,
        Seed = 5,
        CheckpointEvery = 25,
        MaxEvalSamples = 1024,
    };

    [Fact]
    public async Task A_job_survives_a_silo_that_hosts_layers_being_killed_and_ends_as_an_uninterrupted_run()
    {
        await using var cluster = await SiloCluster.Start("k1", "k2", "k3");
        var job = cluster.Client.GetGrain<IJobGrain>("crash");
        var started = await job.Start(Spec("crash"));
        var victim = started.Layers.Select(l => l.Silo).Distinct().FirstOrDefault(s => s != started.JobSilo)
            ?? throw new InvalidOperationException($"every layer is on the job's silo {started.JobSilo}: {string.Join(", ", started.Layers.Select(l => l.Silo))}");

        var status = await WaitFor(job, s => s.StepsDone >= 60 || s.IsFinished, "the job to pass step 60");
        Assert.False(status.IsFinished, "the job finished before the silo could be killed; make it longer");
        cluster.Kill(victim);
        var recovered = await JobWaiter.Finished(cluster.Client, "crash", TimeSpan.FromMinutes(5));

        var recoveries = string.Join("; ", recovered.Recoveries.Select(r =>
            $"from {r.FromCheckpoint}, replayed {r.StepsReplayed}, moved [{string.Join(", ", r.MovedLayers.Select(m => $"{m.Layer}:{m.FromSilo}->{m.ToSilo}"))}]: {r.Reason}"));
        Assert.True(recovered.State == JobState.Completed, $"{recovered.State}: {recovered.Failure}; recoveries: {recoveries}\n{cluster.Logs()}");
        // Usually one recovery; under load a call can still reach the dead silo after the first one and cause another.
        Assert.NotEmpty(recovered.Recoveries);
        Assert.Contains(recovered.Recoveries, r => r.MovedLayers.Length > 0);
        // Only the killed silo's layers move, except in a recovery by a new activation of the job: when the killed
        // silo held the job grain's directory entry, the next status call may activate the job on another silo
        // (Orleans deactivates the old one), and the new activation places every layer again from its own silo.
        Assert.True(recovered.Recoveries.All(r => r.Reason.Contains("reactivated") || r.MovedLayers.All(m => m.FromSilo == victim)),
            $"only layers of the killed silo {victim} move; recoveries: {recoveries}\n{cluster.Logs()}");
        Assert.All(recovered.Layers, l => Assert.NotEqual(victim, l.Silo));
        // Only the steps after the committed checkpoint are run again: none when the kill came right after one, at most CheckpointEvery.
        Assert.All(recovered.Recoveries, r => Assert.InRange(r.StepsReplayed, 0, 25));
        Assert.True(recovered.Recoveries[0].FromCheckpoint >= 2, $"restored from checkpoint {recovered.Recoveries[0].FromCheckpoint} (0 is the initial state; one every 25 steps): {recoveries}");

        var uninterrupted = await Run(cluster, Spec("no-crash"));
        Assert.Equal(JobState.Completed, uninterrupted.State);
        Assert.Empty(uninterrupted.Recoveries);
        Assert.InRange(recovered.History[^1].TestAccuracy - uninterrupted.History[^1].TestAccuracy, -0.01, 0.01);
        Assert.True(uninterrupted.History[^1].TestAccuracy > 0.5, $"the job learns: {uninterrupted.History[^1].TestAccuracy}");
    }

    [Fact]
    public async Task After_the_whole_cluster_is_killed_and_restarted_the_job_resumes_by_itself_from_its_committed_checkpoint()
    {
        await using var cluster = await SiloCluster.Start("r1", "r2");
        var job = cluster.Client.GetGrain<IJobGrain>("restart");
        await job.Start(Spec("restart"));
        var before = await WaitFor(job, s => s.StepsDone >= 80 || s.IsFinished, "the job to pass step 80");
        Assert.False(before.IsFinished, "the job finished before the cluster could be killed; make it longer");

        cluster.KillAll();
        await cluster.StartSilos("r1", "r2");
        // Nothing calls the job: its reminder (a tick every 10 s) activates its grain, and the activation resumes it.
        await cluster.WaitForLog("job restart was running when its coordinator was lost", TimeSpan.FromMinutes(3));
        var finished = await JobWaiter.Finished(cluster.Client, "restart", TimeSpan.FromMinutes(5));

        Assert.True(finished.State == JobState.Completed, $"{finished.State}: {finished.Failure}\n{cluster.Logs()}");
        var recovery = finished.Recoveries[0];
        Assert.Contains("reactivated", recovery.Reason);
        // Checkpoints every 25 steps after the initial one (0), and the cluster was killed after step 80.
        Assert.True(recovery.FromCheckpoint >= 3, $"restored from checkpoint {recovery.FromCheckpoint}");
        Assert.Equal(2, finished.History.Length);
        var uninterrupted = await Run(cluster, Spec("restart-reference"));
        Assert.InRange(finished.History[^1].TestAccuracy - uninterrupted.History[^1].TestAccuracy, -0.01, 0.01);
    }

    private static async Task<JobStatus> WaitFor(IJobGrain job, Func<JobStatus, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        var status = await GatewayRetry.Call(job.GetStatus, TestContext.Current.CancellationToken);
        while (!condition(status))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waiting for {what}: {status.State}, step {status.StepsDone}");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
            status = await GatewayRetry.Call(job.GetStatus, TestContext.Current.CancellationToken);
        }
        return status;
    }

    private static async Task<JobStatus> Run(SiloCluster cluster, JobSpec spec)
    {
        await cluster.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        return await JobWaiter.Finished(cluster.Client, spec.JobId, TimeSpan.FromMinutes(5));
    }
}
