using Countercurrent.Learning.Tensors;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

public sealed class FiniteCheckTests
{
    // Lengths below, at and past a vector's width, so that both the vector loop and the tail see every case.
    public static TheoryData<int, int> Positions => new() { { 1, 0 }, { 7, 6 }, { 16, 0 }, { 16, 15 }, { 37, 36 }, { 1000, 517 }, { 131072, 131071 } };

    [Theory]
    [MemberData(nameof(Positions))]
    public void Finds_a_NaN_or_an_infinity_wherever_it_is(int length, int position)
    {
        float[] bad = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7fc01234), BitConverter.Int32BitsToSingle(unchecked((int)0xff800001))];
        foreach (var value in bad)
        {
            var values = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i) * 1e3f).ToArray();
            values[position] = value;
            using var signal = tensor(values);
            Assert.False(FiniteCheck.AllFinite(signal), $"{value} at {position} of {length}");
            using var reference = isfinite(signal).all();
            Assert.False(reference.item<bool>());
        }
    }

    [Fact]
    public void Passes_every_finite_extreme()
    {
        float[] values = [0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1.17549435e-38f, BitConverter.Int32BitsToSingle(0x7f7fffff), 1f, -3.5f,
            BitConverter.Int32BitsToSingle(0x007fffff), BitConverter.Int32BitsToSingle(unchecked((int)0xff7fffff)), 2f, 4f, 8f, 16f, 32f];
        using var signal = tensor(values);
        Assert.True(FiniteCheck.AllFinite(signal));
    }

    [Fact]
    public void A_strided_or_double_tensor_is_checked_by_libtorch()
    {
        // [[1, NaN], [3, 4]] transposed: row 0 is (1, 3), row 1 is (NaN, 4), both views with a stride of 2.
        using var matrix = tensor(new[] { 1f, float.NaN, 3f, 4f }).reshape(2, 2);
        using var transposed = matrix.t();
        using var finiteRow = transposed[0];
        using var rowWithNaN = transposed[1];
        Assert.False(finiteRow.is_contiguous());
        Assert.True(FiniteCheck.AllFinite(finiteRow));
        Assert.False(FiniteCheck.AllFinite(rowWithNaN));
        using var doubles = tensor(new[] { 1.0, double.PositiveInfinity });
        Assert.False(FiniteCheck.AllFinite(doubles));
        using var finiteDoubles = tensor(new[] { 1.0, 2.0 });
        Assert.True(FiniteCheck.AllFinite(finiteDoubles));
    }
}
