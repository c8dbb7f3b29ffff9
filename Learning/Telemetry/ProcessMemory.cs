using Countercurrent.Contracts.Jobs;
using TorchSharp;

namespace Countercurrent.Learning.Telemetry;

/// <summary>
/// This process's resident set size and the number of TorchSharp tensors alive in it: the two figures that show a
/// native-memory leak (both must stay flat from epoch to epoch).
/// </summary>
public static partial class ProcessMemory
{
    /// <summary>
    /// Measures after a full, compacting collection that returns the freed memory to the system, and after glibc hands
    /// back the free pages of its arenas, so that the figure is what the process holds on to, not how much garbage the
    /// collector or slack the native allocator happened to keep (payload buffers and activations come and go every step;
    /// without the collection RSS swung by ±10% from epoch to epoch with no leak behind it, and with it alone by ±5%).
    /// Called once per epoch, so the cost does not matter.
    /// </summary>
    public static ProcessResources Snapshot(string process)
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            _ = MallocTrim(0);
        }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new ProcessResources(process, self.WorkingSet64 / (1024.0 * 1024.0), torch.Tensor.TotalCount);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
