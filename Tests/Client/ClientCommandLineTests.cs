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
}
