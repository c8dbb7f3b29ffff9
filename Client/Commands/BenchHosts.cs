using Countercurrent.Client.Processes;

namespace Countercurrent.Client.Commands;

/// <summary>
/// The silos a bench runs its jobs on: the embedded silo and one cluster of local silo processes per process count,
/// each started when first asked for and kept until the bench ends, so that every rule and round runs on the same
/// hosts and a round costs no start-up. Their checkpoints go to a scratch folder of this bench: a job's are deleted
/// when the job is measured (a bench job's model is of no use afterwards, and the latest and best checkpoints of the
/// default MLP with Adam state take 43 MB), the folder when the bench ends.
/// </summary>
public sealed class BenchHosts(int torchThreads, bool pinCores, CancellationToken cancel) : IAsyncDisposable
{
    private readonly Dictionary<int, LocalSiloCluster> _clusters = [];
    private readonly string _checkpoints = Path.Combine(Path.GetTempPath(), $"countercurrent-bench-{Environment.ProcessId}");
    private ClusterConnection? _embedded;
    private int _jobs;

    public async Task<ClusterConnection> Embedded() => _embedded ??= await ClusterConnection.Embedded(torchThreads, cancel, _checkpoints);

    /// <summary><paramref name="count"/> silo processes with <paramref name="threadsEach"/> torch threads each.</summary>
    public async Task<ClusterConnection> Processes(int count, int threadsEach)
    {
        if (!_clusters.TryGetValue(count, out var cluster))
        {
            cluster = await LocalSiloCluster.Start(count, threadsEach, cancel, pinCores, _checkpoints);
            _clusters[count] = cluster;
        }
        return cluster.Connection;
    }

    /// <summary>Runs <paramref name="measure"/> with a job id no other bench job on these hosts has, then deletes that job's checkpoints.</summary>
    public async Task<T> WithJob<T>(Func<string, Task<T>> measure)
    {
        var jobId = $"bench-{Environment.ProcessId}-{++_jobs}";
        try
        {
            return await measure(jobId);
        }
        finally
        {
            DeleteFolder(Path.Combine(_checkpoints, jobId));
        }
    }

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
        DeleteFolder(_checkpoints);
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The job never reached a checkpoint.
        }
    }
}
