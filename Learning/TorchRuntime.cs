using System.Runtime.InteropServices;
using TorchSharp;

namespace Countercurrent.Learning;

/// <summary>
/// Process-wide TorchSharp settings, in one place.
/// <para>
/// OpenMP threads that spin while waiting for work (libgomp's default) starve everything else when cores are shared:
/// measured here with a second busy process on the 2 cores, in-process training of the 784-1024-1024-10 MLP fell from
/// ~5,800 to ~430-690 samples/s. PASSIVE waiting avoids it. libgomp reads the variable when libtorch is loaded, so it
/// must be in the native environment before the first torch call (.NET's Environment.SetEnvironmentVariable does not
/// reach the native environment on Linux, hence setenv). A value the user set is kept.
/// </para>
/// </summary>
public static partial class TorchRuntime
{
    private static int _prepared;

    /// <summary>Call first thing in a process, before any torch call.</summary>
    public static void PrepareEnvironment()
    {
        if (Interlocked.Exchange(ref _prepared, 1) == 1 || !OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        _ = SetEnv("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0);
        KeepFreedTensorMemory();
    }

    /// <summary>
    /// glibc returns freed memory at the top of a heap to the system once more than the trim threshold is free there, and
    /// serves large blocks with mmap; libtorch then gets fresh pages for the next step's tensors and the kernel zeroes
    /// each one on first touch. Measured here (in-process ccl, 784-1024-1024-10, one thread): 15% of the time in page
    /// faults and brk, 4,460 samples/s; with freed memory kept for reuse, 5,100. Blocks up to 32 MiB (the largest glibc
    /// allows on the heap) come from the heap, and up to 256 MiB free at a heap's top is kept: roughly a caching
    /// allocator for CPU tensors, bounded by the peak of a step.
    /// <para>
    /// Kept memory is kept per arena, and glibc gives threads up to 8 arenas per core. A silo makes new threads for
    /// every job's layers (and the bench's trainers), which spread over ever more arenas, each keeping a step's worth
    /// of tensors: twelve embedded bench rounds grew the client from 699 to 922 MiB, still rising. At one arena per
    /// core the same rounds held 683-743 MiB, with no change in samples/s.
    /// </para>
    /// Values the user set (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_ARENA_MAX) are kept.
    /// </summary>
    private static void KeepFreedTensorMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
            {
                _ = MallOpt(MmapThreshold, 32 << 20);
            }
            if (Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is null)
            {
                _ = MallOpt(TrimThreshold, 256 << 20);
            }
            if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null)
            {
                _ = MallOpt(ArenaMax, Math.Max(2, Environment.ProcessorCount));
            }
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc: its allocator has its own policy.
        }
    }

    private const int TrimThreshold = -1;   // M_TRIM_THRESHOLD in malloc.h
    private const int MmapThreshold = -3;   // M_MMAP_THRESHOLD
    private const int ArenaMax = -8;        // M_ARENA_MAX

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    /// <summary>Sets the intra-op thread count for this process (0: one per core).</summary>
    public static void SetThreads(int threads)
    {
        PrepareEnvironment();
        SetThreadsOfThisThread(threads > 0 ? threads : Environment.ProcessorCount);
    }

    /// <summary>
    /// Sets the intra-op thread count of the calling thread's next parallel regions (OpenMP's count is per thread), for
    /// a thread that shares the process's cores with others.
    /// </summary>
    public static void SetThreadsOfThisThread(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        torch.set_num_threads(threads);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
