using Countercurrent.Client.Processes;

namespace Countercurrent.Tests.Client;

/// <summary>
/// The real client as a user runs it, where no cluster is needed: what it prints and the exit code README.md
/// documents, for mistakes a new user makes.
/// </summary>
public sealed class ClientCommandLineTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    /// <summary>Every line the client wrote to stderr, for checking that a failure is one line with no library logs.</summary>
    private static string[] ErrorLines(ClientResult r) => r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task No_cluster_listening_is_one_error_line_and_exit_3_within_seconds()
    {
        var port = FreePort.Next();

        var result = await ClientProcess.Run(["jobs", "--cluster", $"127.0.0.1:{port}"], TimeSpan.FromSeconds(120));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), result.ToString());
        var line = Assert.Single(ErrorLines(result));
        Assert.StartsWith($"error: cannot reach the cluster at 127.0.0.1:{port}", line);
    }

    [Fact]
    public async Task An_unreachable_redis_is_one_error_line_and_exit_3()
    {
        var port = FreePort.Next();

        var result = await ClientProcess.Run(
            ["train", "--cluster", $"redis://127.0.0.1:{port}", "--dataset", "synthetic", "--epochs", "1"], TimeSpan.FromSeconds(120));

        Assert.True(result.ExitCode == 3, result.ToString());
        var line = Assert.Single(ErrorLines(result));
        Assert.Equal($"error: cannot reach the cluster's Redis at 127.0.0.1:{port} (--cluster redis://127.0.0.1:{port})", line);
    }

    [Theory]
    [InlineData("/nonexistent/model")]
    [InlineData("./exported")]
    public async Task Eval_of_a_missing_folder_says_so_without_asking_a_cluster(string folder)
    {
        var result = await ClientProcess.Run(["eval", folder], Generous);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error: {folder}: folder does not exist", result.Stderr);
    }

    [Theory]
    [InlineData("unknown option for 'train': --foo", "train", "--epochs", "1", "--foo")]
    [InlineData("unknown option for 'train': --no-bias2", "train", "--no-bias2", "--epochs", "1")]
    [InlineData("unexpected argument for 'train': 'extra'", "train", "extra")]
    [InlineData("unexpected argument for 'jobs': 'extra'", "jobs", "extra")]
    [InlineData("unexpected argument for 'status': 'two'", "status", "one", "two")]
    [InlineData("'export' needs a job id", "export")]
    public async Task A_refused_command_line_names_the_problem_and_exits_2(string message, params string[] args)
    {
        var result = await ClientProcess.Run(args, Generous);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"error: {message}", result.Stderr);
    }

    [Fact]
    public async Task A_missing_data_dir_is_named_without_the_package_advice()
    {
        var result = await ClientProcess.Run(["train", "--in-process", "--data-dir", "/nonexistent-data", "--epochs", "1"], Generous);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("/nonexistent-data: dataset folder not found", result.Stderr);
        Assert.DoesNotContain("apt-get", result.Stderr);
    }

    [Fact]
    public async Task An_unwritable_plot_path_still_prints_the_result_then_the_error_and_exits_2()
    {
        using var work = new TempDirectory();

        var result = await ClientProcess.Run(
            ["train", "--in-process", "--dataset", "synthetic", "--synthetic-samples", "512", "--model", "mlp:784-32-10",
             "--batch-size", "64", "--epochs", "1", "--max-eval", "256", "--plot", "/proc/x.png"],
            TimeSpan.FromMinutes(3), work.Path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Completed: test accuracy ", result.Stdout);
        Assert.Contains(" after 1 epoch,", result.Stdout);
        Assert.Contains("error: cannot write the learning curve to /proc/x.png", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }
}
