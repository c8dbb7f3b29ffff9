using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Tests.Cluster;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>Real silo processes with Redis membership on loopback: layers placed in groups across them.</summary>
public sealed class ThreeSiloProcessTests
{
    [Fact]
    public async Task A_job_with_one_layer_group_per_silo_runs_where_placed_and_equals_a_single_silo_run()
    {
        await using var cluster = await SiloCluster.Start("s1", "s2", "s3");
        var spec = new JobSpec
        {
            Dataset = "synthetic",
            SyntheticSamples = 2048,
            Model = "mlp:784-64x5-10",
            Optimizer = "adam",
            LearningRate = 0.003,
            BatchSize = 64,
            Epochs = 3,
            Seed = 11,
        };
        string[] groups = ["s1", "s1", "s2", "s2", "s3", "s3"];
        var spread = spec with { JobId = "e2e-spread", Placement = groups.Select((silo, i) => new LayerPlacement(i, silo)).ToArray() };
        var single = spec with { JobId = "e2e-single", Placement = groups.Select((_, i) => new LayerPlacement(i, "s1")).ToArray() };

        var spreadStatus = await Run(cluster, spread);
        var singleStatus = await Run(cluster, single);

        Assert.True(spreadStatus.State == JobState.Completed, $"{spreadStatus.State}: {spreadStatus.Failure}\n{cluster.Logs()}");
        Assert.True(singleStatus.State == JobState.Completed, $"{singleStatus.State}: {singleStatus.Failure}\n{cluster.Logs()}");
        Assert.Equal(groups, spreadStatus.Layers.Select(l => l.Silo));
        Assert.All(singleStatus.Layers, l => Assert.Equal("s1", l.Silo));
        Assert.Equal(3, spreadStatus.History.Length);
        for (var e = 0; e < 3; e++)
        {
            Assert.Equal(singleStatus.History[e].TestAccuracy, spreadStatus.History[e].TestAccuracy);
            Assert.Equal(singleStatus.History[e].TestLoss, spreadStatus.History[e].TestLoss, 6);
            Assert.Equal(singleStatus.History[e].LayerLosses, spreadStatus.History[e].LayerLosses);
        }
        Assert.True(spreadStatus.History[^1].TestAccuracy > 0.5, $"test accuracy {spreadStatus.History[^1].TestAccuracy}");
    }

    [Fact]
    public async Task A_layer_pinned_to_an_absent_silo_or_device_is_refused_naming_both()
    {
        await using var cluster = await SiloCluster.Start("p1");
        var spec = new JobSpec { Dataset = "synthetic", Model = "mlp:784-16-10", Epochs = 1 };

        var noSilo = await Assert.ThrowsAsync<JobSpecException>(() => cluster.Client.GetGrain<IJobGrain>("e2e-nosilo")
            .Start(spec with { JobId = "e2e-nosilo", Placement = [new LayerPlacement(1, "elsewhere")] }));
        var noDevice = await Assert.ThrowsAsync<JobSpecException>(() => cluster.Client.GetGrain<IJobGrain>("e2e-nodevice")
            .Start(spec with { JobId = "e2e-nodevice", Placement = [new LayerPlacement(0, "p1", "cuda:0")] }));

        Assert.Equal("placement", noSilo.Field);
        Assert.Contains("'elsewhere'", noSilo.Message);
        Assert.Contains("layer 1", noSilo.Message);
        Assert.Equal("placement", noDevice.Field);
        Assert.Contains("'cuda:0'", noDevice.Message);
        Assert.Contains("'p1'", noDevice.Message);
    }

    [Fact]
    public async Task A_silo_process_does_not_watch_its_working_folder()
    {
        // The host's default reloads appsettings.json on change, by inotify watches on the working folder and every
        // folder below it (the test binaries' folder has dozens); a silo reads its settings once, so it sets none.
        await using var cluster = await SiloCluster.Start("w1");
        var pid = cluster.Silos.Single().Process.Id;

        var watches = Directory.GetFiles($"/proc/{pid}/fd")
            .Where(fd => new FileInfo(fd).LinkTarget == "anon_inode:inotify")
            .Sum(fd => File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").Count(line => line.StartsWith("inotify", StringComparison.Ordinal)));

        Assert.Equal(0, watches);
    }

    private static async Task<JobStatus> Run(SiloCluster cluster, JobSpec spec)
    {
        await cluster.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        return await JobWaiter.Finished(cluster.Client, spec.JobId, TimeSpan.FromMinutes(5));
    }
}
