using System.Net;
using System.Net.Sockets;
using Countercurrent.Client.Commands;

namespace Countercurrent.Client.Processes;

/// <summary>
/// N real silo processes on this machine (localhost clustering, the first one is the membership authority), each
/// with its share of the cores as torch threads, and a client connected to their gateways. For `bench`.
/// </summary>
public sealed class LocalSiloCluster : IAsyncDisposable
{
    private readonly List<ChildProcess> _silos = [];

    /// <summary>How long a silo process may take to shut down when the bench ends before it is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    private LocalSiloCluster()
    {
    }

    public ClusterConnection Connection { get; private set; } = null!;

    /// <param name="pinCores">Run silo k on cores [k·each, (k+1)·each) only (with taskset), runtime threads included, so
    /// that "N processes with M threads" uses N·M cores and no more; ignored when the machine has too few cores.</param>
    /// <param name="checkpointFolder">Where the silos' layers write checkpoints; null: each silo's default (runs/checkpoints).</param>
    public static async Task<LocalSiloCluster> Start(int count, int torchThreadsEach, CancellationToken cancel, bool pinCores = false, string? checkpointFolder = null)
    {
        var cluster = new LocalSiloCluster();
        var dll = Path.Combine(AppContext.BaseDirectory, "Countercurrent.Silo.dll");
        var clusterId = $"bench-{Environment.ProcessId}-{count}";
        var siloPorts = Enumerable.Range(0, count).Select(_ => FreePort.Next()).ToArray();
        var gatewayPorts = Enumerable.Range(0, count).Select(_ => FreePort.Next()).ToArray();
        try
        {
            for (var k = 0; k < count; k++)
            {
                string[] pin = pinCores && count * torchThreadsEach <= Environment.ProcessorCount && File.Exists("/usr/bin/taskset")
                    ? ["-c", $"{k * torchThreadsEach}-{(k + 1) * torchThreadsEach - 1}", "dotnet"]
                    : [];
                cluster._silos.Add(new ChildProcess($"silo-{k + 1}", pin.Length > 0 ? "/usr/bin/taskset" : "dotnet",
                [
                    .. pin,
                    dll,
                    $"--Silo:Name=silo-{k + 1}",
                    "--Silo:Clustering=localhost",
                    $"--Silo:SiloPort={siloPorts[k]}",
                    $"--Silo:GatewayPort={gatewayPorts[k]}",
                    $"--Silo:PrimarySiloPort={siloPorts[0]}",
                    $"--Silo:TorchThreads={torchThreadsEach}",
                    $"--Silo:ClusterId={clusterId}",
                    "--Logging:LogLevel:Default=Warning",
                    .. checkpointFolder is null ? Array.Empty<string>() : [$"--Silo:CheckpointFolder={checkpointFolder}"],
                ]));
            }
            // The client connects once every gateway listens: one it tries too early is logged as refused, a warning
            // per silo on every bench run.
            await cluster.WaitForGateways(gatewayPorts, TimeSpan.FromSeconds(90), cancel);
            cluster.Connection = await ClusterConnection.Connect(string.Join(",", gatewayPorts.Select(p => $"127.0.0.1:{p}")), cancel, clusterId);
            await cluster.WaitForSilos(count, TimeSpan.FromSeconds(90), cancel);
            return cluster;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var logs = string.Join("\n", cluster._silos.Select(s => $"--- {s.Name}:\n{s.Tail(10)}"));
            await cluster.DisposeAsync();
            throw new ClusterUnavailableException($"{count} local silo processes did not form a cluster: {e.Message}\n{logs}");
        }
    }

    private async Task WaitForGateways(int[] ports, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var k = 0; k < ports.Length; k++)
        {
            while (true)
            {
                using var probe = new TcpClient();
                try
                {
                    await probe.ConnectAsync(IPAddress.Loopback, ports[k], cancel);
                    break;
                }
                catch (SocketException) when (!_silos[k].HasExited && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, cancel);
                }
                catch (SocketException e)
                {
                    throw new TimeoutException(_silos[k].HasExited
                        ? $"{_silos[k].Name} exited before its gateway listened"
                        : $"{_silos[k].Name}'s gateway did not listen on port {ports[k]} within {timeout.TotalSeconds:0} s ({e.SocketErrorCode})");
                }
            }
        }
    }

    private async Task WaitForSilos(int count, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        var management = Connection.Client.GetGrain<IManagementGrain>(0);
        while ((await management.GetHosts(onlyActive: true)).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"fewer than {count} silos joined within {timeout.TotalSeconds:0} s");
            }
            await Task.Delay(200, cancel);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }
        // Each silo's host shuts Orleans down (about a second here), and is killed if it takes longer than StopGrace.
        // The others first, all at once, then the first silo: it holds the membership table the others leave.
        await Task.WhenAll(_silos.Skip(1).Select(silo => Task.Run(() => silo.Stop(StopGrace))));
        if (_silos.Count > 0)
        {
            await Task.Run(() => _silos[0].Stop(StopGrace));
        }
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
    }
}
