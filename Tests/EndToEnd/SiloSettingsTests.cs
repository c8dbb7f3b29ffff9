using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Countercurrent.Client.Processes;
using Countercurrent.Silo.Hosting;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>
/// The real silo program with settings that cannot work: it exits with the documented code and one line on stderr that
/// names the setting (it used to die of an unhandled exception, exit 134, with a stack trace).
/// </summary>
public sealed class SiloSettingsTests
{
    [Theory]
    [InlineData("--Silo:Clustering=foo", "Silo:Clustering 'foo' is unknown; expected one of localhost, redis, kubernetes")]
    [InlineData("--Silo:TorchThreads=abc", "Silo:TorchThreads 'abc' is not a whole number")]
    [InlineData("--Silo:ProbeTimeoutSeconds=fast", "Silo:ProbeTimeoutSeconds 'fast' is not a number")]
    [InlineData("--Silo:DirectHandOver=yes", "Silo:DirectHandOver 'yes' is not true or false")]
    [InlineData("--Silo:TorchThreads=-1", "Silo:TorchThreads -1 must be 0 (all cores) or positive")]
    [InlineData("--Silo:Clusterin=redis", "Silo:Clusterin is not a setting; the settings are Name, Clustering, Redis,")]
    [InlineData("--Silo:Redis=nohost=1", "Silo:Redis 'nohost=1' is not a Redis connection string")]
    public async Task A_refused_setting_is_one_line_naming_it_and_exit_code_2(string setting, string message)
    {
        var (exitCode, stderr) = await RunSilo("--Silo:Clustering=redis", setting);

        Assert.Equal(SiloExitCodes.SettingRefused, exitCode);
        Assert.StartsWith($"error: {message}", Assert.Single(stderr));
    }

    [Fact]
    public async Task Every_refused_setting_gets_its_own_line()
    {
        var (exitCode, stderr) = await RunSilo("--Silo:SiloPort=0", "--Silo:GatewayPort=70000");

        Assert.Equal(SiloExitCodes.SettingRefused, exitCode);
        Assert.Equal(["error: Silo:SiloPort 0 is not a port", "error: Silo:GatewayPort 70000 is not a port"], stderr);
    }

    [Fact]
    public async Task Redis_that_does_not_answer_is_one_line_with_its_address_and_exit_code_3()
    {
        var port = FreePort.Next();

        var (exitCode, stderr) = await RunSilo("--Silo:Clustering=redis", $"--Silo:Redis=127.0.0.1:{port}");

        Assert.Equal(SiloExitCodes.RedisUnreachable, exitCode);
        Assert.StartsWith($"error: cannot reach Redis at 127.0.0.1:{port} (Silo:Redis", Assert.Single(stderr));
    }

    [Fact]
    public async Task A_gateway_port_in_use_is_one_line_naming_the_ports_and_exit_code_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var gateway = ((IPEndPoint)taken.LocalEndpoint).Port;
        var silo = FreePort.Next();

        var (exitCode, stderr) = await RunSilo($"--Silo:SiloPort={silo}", $"--Silo:PrimarySiloPort={silo}", $"--Silo:GatewayPort={gateway}");

        Assert.Equal(SiloExitCodes.SettingRefused, exitCode);
        Assert.Equal($"error: Silo:SiloPort {silo} or Silo:GatewayPort {gateway} is in use on this machine (another silo?); choose free ports", Assert.Single(stderr));
    }

    private static async Task<(int ExitCode, string[] Stderr)> RunSilo(params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Its own working folder: no appsettings.json of the test run's folder, no checkpoints left behind.
            WorkingDirectory = Directory.CreateTempSubdirectory("silo-settings-").FullName,
        };
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Countercurrent.Silo.dll"));
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }
        using var silo = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            var stdout = silo.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = await silo.StandardError.ReadToEndAsync(timeout.Token);
            await silo.WaitForExitAsync(timeout.Token);
            await stdout;
            return (silo.ExitCode, stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the silo with {string.Join(' ', settings)} did not exit within 90 s");
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill();
            }
            Directory.Delete(start.WorkingDirectory, recursive: true);
        }
    }
}
