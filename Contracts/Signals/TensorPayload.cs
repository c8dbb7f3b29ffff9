namespace Countercurrent.Contracts.Signals;

/// <summary>
/// A tensor on the wire: shape, element type and the raw little-endian bytes as one blob. Orleans writes a
/// <c>byte[]</c> as one block (a <c>float[]</c> element by element), so payloads always carry bytes.
/// Immutable once sent: neither side may write into <see cref="Data"/>. Written and read by
/// <see cref="TensorPayloadCodec"/>, which puts received bytes in arrays from <see cref="PayloadBufferPool.Shared"/>.
/// </summary>
[Immutable, Alias("cc.TensorPayload")]
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

    /// <summary>A payload read off the wire, unchecked: the layer that receives it checks it and fails naming itself.</summary>
    internal TensorPayload(long[] shape, TensorElementType elementType, byte[] data, bool received)
    {
        Shape = shape;
        ElementType = elementType;
        Data = data;
        Received = received;
    }

    /// <summary>
    /// A payload a transport read off the wire into <paramref name="data"/>, an array rented from
    /// <see cref="PayloadBufferPool.Shared"/>: marked <see cref="Received"/>, and unchecked (the receiving layer checks it).
    /// </summary>
    public static TensorPayload Arrived(long[] shape, TensorElementType elementType, byte[] data) => new(shape, elementType, data, received: true);

    public long[] Shape { get; init; }
    public TensorElementType ElementType { get; init; }
    public byte[] Data { get; init; }

    /// <summary>
    /// True when <see cref="Data"/> was rented from <see cref="PayloadBufferPool.Shared"/> as the payload arrived from
    /// another process (see <see cref="ClaimReceived"/>). False for a payload made in this process: its maker owns the
    /// array.
    /// </summary>
    public bool Received { get; }

    private int _claimed;

    /// <summary>
    /// True once, for the first caller, when the payload was received: that caller is the grain whose incoming call
    /// brought it, and it gives the array back to the pool once that call has completed (by then everything it set off
    /// is done, including calls that handed the payload on within the silo, which see it claimed already).
    /// </summary>
    public bool ClaimReceived() => Received && Interlocked.Exchange(ref _claimed, 1) == 0;

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
