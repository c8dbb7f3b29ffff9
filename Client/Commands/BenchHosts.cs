using Countercurrent.Client.Processes;

namespace Countercurrent.Client.Commands;

/// <summary>
/// The silos a bench runs its jobs on: the embedded silo and one cluster of local silo processes per process count,
/// each started when first asked for and kept until the bench ends, so that every rule and round runs on the same
/// hosts and a round costs no start-up.
/// </summary>
public sealed class BenchHosts(int torchThreads, bool pinCores, CancellationToken cancel) : IAsyncDisposable
{
    private readonly Dictionary<int, LocalSiloCluster> _clusters = [];
    private ClusterConnection? _embedded;
    private int _jobs;

    public async Task<ClusterConnection> Embedded() => _embedded ??= await ClusterConnection.Embedded(torchThreads, cancel);

    /// <summary><paramref name="count"/> silo processes with <paramref name="threadsEach"/> torch threads each.</summary>
    public async Task<ClusterConnection> Processes(int count, int threadsEach)
    {
        if (!_clusters.TryGetValue(count, out var cluster))
        {
            cluster = await LocalSiloCluster.Start(count, threadsEach, cancel, pinCores);
            _clusters[count] = cluster;
        }
        return cluster.Connection;
    }

    /// <summary>A job id no other bench job on these hosts has.</summary>
    public string NextJobId() => $"bench-{Environment.ProcessId}-{++_jobs}";

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters.Values)
        {
            await cluster.DisposeAsync();
        }
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}
