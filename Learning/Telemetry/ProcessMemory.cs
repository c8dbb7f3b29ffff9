using Countercurrent.Contracts.Jobs;
using TorchSharp;

namespace Countercurrent.Learning.Telemetry;

/// <summary>
/// This process's resident set size and the number of TorchSharp tensors alive in it: the two figures that show a
/// native-memory leak (both must stay flat from epoch to epoch).
/// </summary>
public static class ProcessMemory
{
    /// <summary>
    /// Measures after a full, compacting collection, so that the figure is what the process holds on to, not how much
    /// garbage the collector happened to leave (payload buffers come and go every step; without this, RSS swung by
    /// ±10% from epoch to epoch with no leak behind it). Called once per epoch, so the collection costs nothing that matters.
    /// </summary>
    public static ProcessResources Snapshot(string process)
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new ProcessResources(process, self.WorkingSet64 / (1024.0 * 1024.0), torch.Tensor.TotalCount);
    }
}
