using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Tensors;

/// <summary>
/// Tensor arithmetic whose TorchSharp spelling makes a temporary Scalar (see <see cref="TorchScalars"/>), written with
/// held ones: <c>a + b</c> and <c>a + s</c> call <c>add(…, alpha: 1)</c> with a fresh 1, <c>s - a</c> goes through such
/// an add, and <c>square()</c> is <c>pow(2)</c> with a fresh 2.
/// </summary>
public static class HeldScalarArithmetic
{
    /// <summary>a + b (libtorch refuses a floating-point 1 as the alpha of integer tensors).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, a.is_floating_point() ? TorchScalars.One : TorchScalars.IntegerOne);

    /// <summary>a + s.</summary>
    public static Tensor Plus(this Tensor a, Scalar s) => a.add(s, TorchScalars.One);

    /// <summary>a += s.</summary>
    public static Tensor PlusInPlace(this Tensor a, Scalar s) => a.add_(s, TorchScalars.One);

    /// <summary>s - a.</summary>
    public static Tensor Subtracted(this Tensor a, Scalar from) => a.neg().add(from, TorchScalars.One);

    /// <summary>a², element-wise.</summary>
    public static Tensor Squared(this Tensor a) => a.pow(TorchScalars.Two);
}
