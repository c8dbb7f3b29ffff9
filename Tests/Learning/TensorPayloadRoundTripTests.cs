using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Tensors;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>Tensors survive the trip to a wire payload and back bit for bit; malformed or oversized payloads are refused.</summary>
public sealed class TensorPayloadRoundTripTests
{
    public static TheoryData<string> Shapes => ["3", "2x3", "2x3x4x5", "0x5", "2x0x3", "1x1x1x1"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32RoundTripIsBitExact(string shapeText)
    {
        using var scope = NewDisposeScope();
        var shape = ParseShape(shapeText);
        var source = randn(shape, ScalarType.Float32);

        var payload = TensorPayloads.ToPayload(source);
        var back = TensorPayloads.ToTensor(payload);

        Assert.Equal(TensorElementType.Float32, payload.ElementType);
        Assert.Equal(shape, back.shape);
        Assert.Equal(ScalarType.Float32, back.dtype);
        Assert.Equal(source.bytes.ToArray(), back.bytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Int64RoundTripIsBitExact(string shapeText)
    {
        using var scope = NewDisposeScope();
        var shape = ParseShape(shapeText);
        var source = randint(-1_000_000_000_000L, 1_000_000_000_000L, shape, ScalarType.Int64);

        var payload = TensorPayloads.ToPayload(source);
        var back = TensorPayloads.ToTensor(payload);

        Assert.Equal(TensorElementType.Int64, payload.ElementType);
        Assert.Equal(shape, back.shape);
        Assert.Equal(ScalarType.Int64, back.dtype);
        Assert.Equal(source.bytes.ToArray(), back.bytes.ToArray());
    }

    [Fact]
    public void SpecialValuesKeepTheirBits()
    {
        using var scope = NewDisposeScope();
        float[] floats = [float.NaN, BitConverter.Int32BitsToSingle(0x7fc01234), -0.0f, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue];
        long[] longs = [long.MinValue, long.MaxValue, 0, -1];

        var floatBack = TensorPayloads.ToTensor(TensorPayloads.ToPayload(tensor(floats)));
        var longBack = TensorPayloads.ToTensor(TensorPayloads.ToPayload(tensor(longs)));

        Assert.Equal(floats.Select(BitConverter.SingleToInt32Bits), floatBack.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(longs, longBack.data<long>().ToArray());
    }

    [Fact]
    public void NonContiguousTensorIsSentInLogicalOrder()
    {
        using var scope = NewDisposeScope();
        var transposed = arange(12, ScalarType.Float32).reshape(3, 4).t();

        var back = TensorPayloads.ToTensor(TensorPayloads.ToPayload(transposed));

        Assert.Equal([4L, 3L], back.shape);
        Assert.Equal([0f, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], back.data<float>().ToArray());
    }

    [Fact]
    public void PayloadsWrittenFromManagedArraysMatchTheTensors()
    {
        using var scope = NewDisposeScope();
        float[] values = [1.5f, -2.25f, 3f, 0f, 7f, -8f];

        var back = TensorPayloads.ToTensor(TensorPayloads.FromFloats(values, [2, 3]));

        Assert.Equal([2L, 3L], back.shape);
        Assert.Equal(values, back.data<float>().ToArray());
    }

    [Fact]
    public void ByteCountThatDoesNotMatchTheShapeIsRefusedOnConstruction()
    {
        var error = Assert.Throws<InvalidPayloadException>(() => new TensorPayload([2, 3], TensorElementType.Float32, new byte[20]));

        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("24 bytes", error.Message);
        Assert.Contains("has 20", error.Message);
    }

    [Fact]
    public void ByteCountThatDoesNotMatchTheShapeIsRefusedOnReceipt()
    {
        // A deserialised payload never runs the constructor; `with` stands in for that here.
        var good = TensorPayloads.FromLongs([1, 2, 3, 4], [2, 2]);
        var bad = good with { Data = new byte[24] };

        var error = Assert.Throws<InvalidPayloadException>(() => TensorPayloads.ToTensor(bad, name: "labels of step 7"));

        Assert.Contains("labels of step 7", error.Message);
        Assert.Contains("[2, 2]", error.Message);
        Assert.Contains("32 bytes", error.Message);
        Assert.Contains("has 24", error.Message);
    }

    [Fact]
    public void NegativeDimensionIsRefused()
    {
        var error = Assert.Throws<InvalidPayloadException>(() => new TensorPayload([-1, 4], TensorElementType.Float32, []));

        Assert.Contains("negative dimension", error.Message);
    }

    [Fact]
    public void TensorOverTheLimitIsRefusedBeforeCopying()
    {
        using var scope = NewDisposeScope();
        var big = empty([TensorPayload.MaxBytes / sizeof(float) + 1], ScalarType.Float32);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<InvalidPayloadException>(() => TensorPayloads.ToPayload(big, "activation of layer 3"));

        // Had the 64 MiB been copied into a managed array, this thread would have allocated it.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 1024 * 1024, "the tensor was copied before it was refused");
        Assert.Contains("activation of layer 3", error.Message);
        Assert.Contains("over the payload limit", error.Message);
        Assert.Contains($"{TensorPayload.MaxBytes + 4:N0} bytes", error.Message);
    }

    [Fact]
    public void PayloadOverTheLimitIsRefusedOnReceipt()
    {
        var error = Assert.Throws<InvalidPayloadException>(
            () => new TensorPayload([TensorPayload.MaxBytes / sizeof(long) + 1], TensorElementType.Int64, []));

        Assert.Contains("over the payload limit", error.Message);
    }

    [Fact]
    public void UnsupportedElementTypeIsRefused()
    {
        using var scope = NewDisposeScope();
        var doubles = zeros([2, 2], ScalarType.Float64);

        var error = Assert.Throws<InvalidPayloadException>(() => TensorPayloads.ToPayload(doubles, "weights"));

        Assert.Contains("weights", error.Message);
        Assert.Contains("Float64", error.Message);
    }

    private static long[] ParseShape(string text) => text.Split('x').Select(long.Parse).ToArray();
}
