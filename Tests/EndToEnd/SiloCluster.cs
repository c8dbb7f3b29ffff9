using Countercurrent.Client.Commands;
using Countercurrent.Client.Processes;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>Redis plus N silo processes on loopback, and a client connected through Redis; everything is stopped on dispose.</summary>
public sealed class SiloCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];

    private SiloCluster(RedisServer redis) => Redis = redis;

    public RedisServer Redis { get; }
    public IReadOnlyList<SiloProcess> Silos => _silos;
    public ClusterConnection Connection { get; private set; } = null!;
    public IClusterClient Client => Connection.Client;

    public static async Task<SiloCluster> Start(params string[] names)
    {
        var cluster = new SiloCluster(await RedisServer.Start());
        try
        {
            await cluster.StartSilos(names);
            return cluster;
        }
        catch (Exception e)
        {
            var logs = string.Join("\n", cluster._silos.Select(s => $"--- {s.Name}:\n{s.Process.Tail()}"));
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the silo cluster did not start: {e.Message}\n{logs}", e);
        }
    }

    /// <summary>Starts silo processes with these names, (re)connects the client and waits until membership shows exactly them.</summary>
    public async Task StartSilos(params string[] names)
    {
        var started = names.Select(name => SiloProcess.Start(name, Redis.ConnectionString)).ToList();
        _silos.AddRange(started);
        await Task.WhenAll(started.Select(s => FreePort.WaitUntilListening(s.GatewayPort, TimeSpan.FromSeconds(90), $"silo {s.Name}")));
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }
        // After KillAll the client sees the new silos' gateways once the dead silos' entries are stale (30 s with
        // the silos' 10 s liveness period) and it has reread the list: about 32 s here, longer than a command's 15 s.
        Connection = await ClusterConnection.Connect($"redis://{Redis.ConnectionString}", TestContext.Current.CancellationToken, limit: TimeSpan.FromMinutes(3));
        await WaitForActiveSilos(_silos.Count(s => !s.Process.HasExited), TimeSpan.FromSeconds(90));
    }

    /// <summary>kill -9 of one silo process.</summary>
    public void Kill(string name) => _silos.Single(s => s.Name == name && !s.Process.HasExited).Process.Kill();

    /// <summary>kill -9 of every silo process: the whole cluster goes down at once, Redis stays.</summary>
    public void KillAll()
    {
        foreach (var silo in _silos.Where(s => !s.Process.HasExited))
        {
            silo.Process.Kill();
        }
    }

    public async Task WaitForActiveSilos(int count, TimeSpan timeout)
    {
        var management = Client.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var active = await management.GetHosts(onlyActive: true);
            if (active.Count == count)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waiting for {count} active silos, membership shows {active.Count}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Waits until a running silo has written <paramref name="text"/>; throws with the logs after <paramref name="timeout"/>.</summary>
    public async Task WaitForLog(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_silos.Any(s => !s.Process.HasExited && s.Process.Tail(int.MaxValue).Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no silo wrote '{text}' within {timeout}\n{Logs()}");
            }
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }

    public string Logs() => string.Join("\n", _silos.Select(s => $"--- {s.Name}:\n{s.Process.Tail()}"));

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            try
            {
                await Connection.DisposeAsync();
            }
            catch (Exception)
            {
                // the silos may already be gone
            }
        }
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
        Redis.Dispose();
    }
}
