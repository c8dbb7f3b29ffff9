using Countercurrent.Contracts.Jobs;
using TorchSharp;

namespace Countercurrent.Learning.Telemetry;

/// <summary>
/// This process's resident set size and the number of TorchSharp tensors alive in it: the two figures that show a
/// native-memory leak (both must stay flat from epoch to epoch).
/// </summary>
public static class ProcessMemory
{
    public static ProcessResources Snapshot(string process)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new ProcessResources(process, self.WorkingSet64 / (1024.0 * 1024.0), torch.Tensor.TotalCount);
    }
}
