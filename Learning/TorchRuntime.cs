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
    }

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
