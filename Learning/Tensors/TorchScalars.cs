using TorchSharp;

namespace Countercurrent.Learning.Tensors;

/// <summary>
/// The numbers the project hands to libtorch, and the rule for handing them over.
/// <para>
/// A TorchSharp <see cref="Scalar"/> owns a native value that its finalizer frees, and TorchSharp passes only the handle
/// to native code. A Scalar nobody holds (from an implicit conversion such as <c>x * 0.5</c>, <c>x.gt(0)</c>, or one made
/// inside TorchSharp: <c>nn.functional.elu(x, 1.0)</c>, <c>softplus</c>, the optimizers' <c>step</c>) can therefore be
/// finalized by a collection another thread triggers while libtorch is still reading it. libtorch then fails with
/// "Expected false to be true ... toFloat at c10/core/Scalar.h" or computes with a wrong number. It happens rarely in
/// one busy thread and often enough with several (two trainers in one process failed about one run in six; a loop of
/// <c>addcmul_(…, 0.001)</c> beside a thread that collects failed 3 times in 560,000 calls, and 0 times with a held Scalar).
/// </para>
/// <para>
/// So every Scalar given to TorchSharp is held for the whole call: the constants below live for the process, a number
/// computed per call goes in a <c>using</c> local (its disposal after the call keeps it alive until then), and an
/// object's fixed numbers are fields it disposes. Some TorchSharp calls make a Scalar of their own even without a number
/// in sight (<c>a + b</c> is <c>add(b, alpha: 1)</c>); <see cref="HeldScalarArithmetic"/> spells those with held ones. TorchScalarLifetimeTests reads every call in the project to hold the
/// code to this.
/// </para>
/// </summary>
public static class TorchScalars
{
    /// <summary>0, for comparisons such as z &gt; 0.</summary>
    public static Scalar Zero => Constants.Zero;

    /// <summary>1, for 1 - x and ELU's unit parameters.</summary>
    public static Scalar One => Constants.One;

    /// <summary>1 as an integer, for arithmetic on integer tensors such as labels.</summary>
    public static Scalar IntegerOne => Constants.IntegerOne;

    /// <summary>2, for squares.</summary>
    public static Scalar Two => Constants.Two;

    /// <summary>1e-8, added to a norm before dividing by it, so a zero row stays zero.</summary>
    public static Scalar Epsilon => Constants.Epsilon;

    /// <summary>Made on first use, not when this class is first touched: creating a Scalar loads libtorch, which must
    /// wait for <see cref="TorchRuntime.PrepareEnvironment"/>.</summary>
    private static class Constants
    {
        public static readonly Scalar Zero = 0.0.ToScalar();
        public static readonly Scalar One = 1.0.ToScalar();
        public static readonly Scalar IntegerOne = 1L.ToScalar();
        public static readonly Scalar Two = 2.0.ToScalar();
        public static readonly Scalar Epsilon = 1e-8.ToScalar();
    }
}
