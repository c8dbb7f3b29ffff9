namespace Countercurrent.Contracts.Signals;

/// <summary>
/// A tensor on the wire: shape, element type and the raw little-endian bytes as one blob. Orleans writes a
/// <c>byte[]</c> as one block (a <c>float[]</c> element by element), so payloads always carry bytes.
/// Immutable once sent: neither side may write into <see cref="Data"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.TensorPayload")]
public sealed record TensorPayload
{
    /// <summary>Upper bound on a payload's bytes, checked by the sender: well under Orleans' 100 MiB message limit.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    public TensorPayload(long[] shape, TensorElementType elementType, byte[] data)
    {
        Shape = shape;
        ElementType = elementType;
        Data = data;
        Validate("payload");
    }

    [Id(0)] public long[] Shape { get; init; }
    [Id(1)] public TensorElementType ElementType { get; init; }
    [Id(2)] public byte[] Data { get; init; }

    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    public static int ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.Float32 => 4,
        TensorElementType.Int64 => 8,
        _ => throw new InvalidPayloadException($"unknown element type {(int)type}"),
    };

    /// <summary>Checks that the bytes match the shape and that the payload fits the size limit.</summary>
    /// <param name="name">What the payload is (e.g. "activation of layer 2"), used in the error message.</param>
    public void Validate(string name)
    {
        if (Shape is null || Data is null)
        {
            throw new InvalidPayloadException($"{name}: shape and data are required");
        }
        if (Shape.Any(d => d < 0))
        {
            throw new InvalidPayloadException($"{name}: negative dimension in shape [{string.Join(", ", Shape)}]");
        }
        var expected = ElementCount * ElementSize(ElementType);
        if (expected > MaxBytes)
        {
            throw new InvalidPayloadException(
                $"{name}: {expected:N0} bytes for shape [{string.Join(", ", Shape)}] is over the payload limit of {MaxBytes:N0} bytes; use a smaller batch");
        }
        if (Data.Length != expected)
        {
            throw new InvalidPayloadException(
                $"{name}: shape [{string.Join(", ", Shape)}] of {ElementType} needs {expected:N0} bytes but the payload has {Data.Length:N0}");
        }
    }
}
