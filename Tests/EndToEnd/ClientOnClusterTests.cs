using System.Text.Json;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Tests.Client;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>
/// The real client's job commands against silo processes with Redis membership: what a user sees when a job is done,
/// unknown, watched and left with Ctrl-C, or followed while every silo stops.
/// </summary>
public sealed class ClientOnClusterTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(3);

    /// <summary>A synthetic job of short epochs (16 steps); <paramref name="epochs"/> makes it as long as a test needs.</summary>
    private static string[] TrainArgs(string address, string jobId, int epochs) =>
        ["train", "--cluster", address, "--job-id", jobId, "--dataset", "synthetic", "--synthetic-samples", "1024",
         "--model", "mlp:784-32-10", "--batch-size", "64", "--epochs", $"{epochs}", "--max-eval", "256"];

    private static JobSpec LongSpec(string jobId) => new()
    {
        JobId = jobId, Dataset = "synthetic", SyntheticSamples = 1024, Model = "mlp:784-32-10", BatchSize = 64, Epochs = 10_000, MaxEvalSamples = 256,
    };

    [Fact]
    public async Task A_finished_job_is_shown_by_name_listed_as_json_not_cancelled_and_watched_once()
    {
        await using var cluster = await SiloCluster.Start("c1");
        var address = $"redis://{cluster.Redis.ConnectionString}";
        using var work = new TempDirectory();

        var train = await ClientProcess.Run([.. TrainArgs(address, "cli-done", 2), "--json"], Generous, work.Path);
        Assert.True(train.ExitCode == 0, $"{train}\n{cluster.Logs()}");
        Assert.Equal("Completed", JsonDocument.Parse(train.Stdout).RootElement.GetProperty("state").GetString());

        var status = await ClientProcess.Run(["status", "cli-done", "--cluster", address, "--json"], Generous);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal("Completed", JsonDocument.Parse(status.Stdout).RootElement.GetProperty("state").GetString());

        var jobs = await ClientProcess.Run(["jobs", "--cluster", address, "--json"], Generous);
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        var row = Assert.Single(JsonDocument.Parse(jobs.Stdout).RootElement.EnumerateArray());
        Assert.Equal("cli-done", row.GetProperty("jobId").GetString());
        Assert.Equal("Completed", row.GetProperty("state").GetString());
        Assert.Equal(2, row.GetProperty("epochs").GetInt32());

        var cancel = await ClientProcess.Run(["cancel", "cli-done", "--cluster", address], Generous);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal("job cli-done already Completed; nothing to cancel", cancel.Stdout.Trim());

        var watch = await ClientProcess.Run(["watch", "cli-done", "--cluster", address], Generous);
        Assert.True(watch.ExitCode == 0, watch.ToString());
        Assert.Single(watch.Stdout.Split('\n'), line => line.Contains("epoch 1/2 "));
        Assert.Single(watch.Stdout.Split('\n'), line => line.Contains("epoch 2/2 "));

        var plot = await ClientProcess.Run(["status", "cli-done", "--cluster", address, "--plot", "/proc/x.png"], Generous);
        Assert.True(plot.ExitCode == 2, plot.ToString());
        Assert.StartsWith("job cli-done: Completed", plot.Stdout);
        Assert.Contains("error: cannot write the learning curve to /proc/x.png", plot.Stderr);
    }

    [Fact]
    public async Task Every_command_names_an_unknown_job_in_the_same_words()
    {
        await using var cluster = await SiloCluster.Start("u1");
        var address = $"redis://{cluster.Redis.ConnectionString}";
        using var work = new TempDirectory();

        foreach (var args in (string[][])[["status", "nope"], ["watch", "nope"], ["cancel", "nope"], ["resume", "nope"], ["export", "nope", "--out", work.File("out")], ["eval", "nope"]])
        {
            var result = await ClientProcess.Run([.. args, "--cluster", address], Generous);

            Assert.True(result.ExitCode == 3, $"{args[0]}: {result}");
            Assert.Equal($"error: job 'nope' is unknown to cluster {address}", result.Stderr.Trim());
        }
    }

    [Fact]
    public async Task Ctrl_C_on_watch_stops_watching_and_leaves_the_job_running()
    {
        await using var cluster = await SiloCluster.Start("w1");
        var address = $"redis://{cluster.Redis.ConnectionString}";
        var job = cluster.Client.GetGrain<IJobGrain>("cli-watched");
        await job.Start(LongSpec("cli-watched"));

        using var watch = new ClientProcess(["watch", "cli-watched", "--cluster", address]);
        // The first epoch line: the client is in its polling loop, with its Ctrl-C handler set.
        await watch.WaitForOutput("epoch 1/", Generous);
        watch.Interrupt();
        var result = await watch.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"stopped watching job cli-watched; it goes on running (watch it again: countercurrent watch cli-watched --cluster {address})", result.Stdout);
        Assert.Equal(JobState.Running, (await job.GetStatus()).State);
        await job.Cancel();
    }

    [Fact]
    public async Task Train_following_a_job_when_every_silo_stops_says_the_cluster_is_lost_and_exits_3()
    {
        await using var cluster = await SiloCluster.Start("l1");
        var address = $"redis://{cluster.Redis.ConnectionString}";
        using var work = new TempDirectory();

        using var train = new ClientProcess(TrainArgs(address, "cli-lost", 10_000), work.Path);
        await train.WaitForOutput("epoch 1/", Generous);
        cluster.KillAll();
        var result = await train.WaitForExit(Generous);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains(
            $"error: lost the cluster while following job cli-lost; it may continue when the cluster is back: countercurrent watch cli-lost --cluster {address}",
            result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }
}
