using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Tensors;

/// <summary>
/// Whether a tensor holds only finite numbers: what a layer checks of every signal it sends, every step.
/// <para>
/// A float32 tensor in CPU memory is read in place, a vector of bit patterns at a time: a float is NaN or infinite
/// exactly when its exponent bits are all ones. libtorch's <c>isfinite(x).all()</c> makes four passes and three bool
/// tensors; on a 128 x 1024 activation it took 300-1,500 µs here against 7-45 µs for the scan (one and two threads),
/// four times a step. Other tensors (another type, not contiguous, on an accelerator) go to libtorch.
/// </para>
/// </summary>
public static class FiniteCheck
{
    private const int ExponentBits = 0x7F800000;

    public static bool AllFinite(Tensor tensor)
    {
        if (tensor.dtype != ScalarType.Float32 || tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            using var finite = isfinite(tensor).all();
            return finite.item<bool>();
        }
        return AllFinite(MemoryMarshal.Cast<byte, int>(tensor.bytes));
    }

    /// <summary>Whether none of these float32 bit patterns is NaN or an infinity.</summary>
    public static bool AllFinite(ReadOnlySpan<int> bits)
    {
        var exponent = new Vector<int>(ExponentBits);
        var i = 0;
        for (; i + Vector<int>.Count <= bits.Length; i += Vector<int>.Count)
        {
            if (Vector.EqualsAny(new Vector<int>(bits.Slice(i, Vector<int>.Count)) & exponent, exponent))
            {
                return false;
            }
        }
        for (; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentBits) == ExponentBits)
            {
                return false;
            }
        }
        return true;
    }
}
