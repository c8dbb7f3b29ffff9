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
    /// Measures after a full, compacting collection that returns the freed managed memory to the system, so that the
    /// figure is what the process holds on to, not how much garbage the collector happened to keep (payload buffers and
    /// activations come and go every step; without the collection RSS swung by ±10% from epoch to epoch with no leak
    /// behind it). Freed native memory that glibc keeps for the next step's tensors (see
    /// <see cref="TorchRuntime.PrepareEnvironment"/>) stays counted: it is bounded by a step's peak and the same from
    /// epoch to epoch. The reading used to hand that memory back too (<c>malloc_trim</c>), which made the next steps
    /// fault every page in again: in-process CCL with 100-step epochs ran at 7,866-8,050 samples/s with it and
    /// 9,388-9,502 without, and every epoch of every job paid it, in each layer of a silo.
    /// <para>
    /// The collection compacts the large-object heap too, and a live array it moves may land on pages the process had
    /// not touched: RSS steps up and stays. So what lives long and is large stays off that heap: datasets and pooled
    /// payload arrays are pinned (<see cref="Data.PinnedArrays"/>), and a silo sizes Orleans' directory caches down.
    /// </para>
    /// </summary>
    public static ProcessResources Snapshot(string process)
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new ProcessResources(process, self.WorkingSet64 / (1024.0 * 1024.0), torch.Tensor.TotalCount);
    }
}
