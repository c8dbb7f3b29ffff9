using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Layers;

/// <summary>Device names as jobs and silos write them: <c>cpu</c> or <c>cuda:N</c>.</summary>
public static partial class DeviceName
{
    public static bool IsValid(string name) => name == "cpu" || CudaPattern().IsMatch(name);

    /// <summary>The TorchSharp device; a CUDA device must exist (TorchSharp's CUDA build and a GPU).</summary>
    public static Device ToDevice(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"device '{name}' is not cpu or cuda:N");
        }
        if (name != "cpu" && !cuda.is_available())
        {
            throw new ArgumentException($"device '{name}' was asked for but CUDA is not available in this process (no GPU, or a CPU-only libtorch)");
        }
        return new Device(name);
    }

    [GeneratedRegex(@"^cuda:\d{1,2}$")]
    private static partial Regex CudaPattern();
}
