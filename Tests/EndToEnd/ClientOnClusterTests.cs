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
