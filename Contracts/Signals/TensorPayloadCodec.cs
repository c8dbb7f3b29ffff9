using System.Buffers;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Countercurrent.Contracts.Signals;

/// <summary>
/// Writes a <see cref="TensorPayload"/> as one length-prefixed field (rank, dimensions, element type, then the bytes)
/// and reads it back into an array rented from <see cref="PayloadBufferPool.Shared"/>, marked
/// <see cref="TensorPayload.Received"/> (the grain whose call brought it gives the array back). Orleans' own byte[]
/// codec allocates a new array for every message: for 512 KiB activations that is a large-object-heap array per signal, gen-2 collections and fresh pages to fault in, on the
/// same core as the layer's math when a silo runs on one core. References are tracked as for any object, so a payload
/// sent twice in one message (a layer 0 activation that is also the raw input) arrives as one object.
/// </summary>
[RegisterSerializer]
public sealed class TensorPayloadCodec : IFieldCodec<TensorPayload>
{
    /// <summary>Bytes before the data: rank, then each dimension as 8 bytes, then the element type.</summary>
    private static int HeaderLength(int rank) => 1 + 8 * rank + 1;

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, TensorPayload? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value))
        {
            return;
        }
        var shape = value!.Shape;
        if (shape.Length > byte.MaxValue)
        {
            throw new InvalidPayloadException($"a payload of rank {shape.Length} cannot be sent (at most {byte.MaxValue} dimensions)");
        }
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(TensorPayload), WireType.LengthPrefixed);
        writer.WriteVarUInt32((uint)(HeaderLength(shape.Length) + value.Data.Length));
        writer.WriteByte((byte)shape.Length);
        foreach (var dimension in shape)
        {
            writer.WriteInt64(dimension);
        }
        writer.WriteByte((byte)value.ElementType);
        writer.Write(value.Data);
    }

    public TensorPayload? ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference)
        {
            return ReferenceCodec.ReadReference<TensorPayload, TInput>(ref reader, field);
        }
        field.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        var rank = reader.ReadByte();
        var header = HeaderLength(rank);
        if (length < header || length - header > TensorPayload.MaxBytes)
        {
            throw new InvalidPayloadException($"a payload field of {length:N0} bytes with rank {rank} is malformed or over the limit of {TensorPayload.MaxBytes:N0} bytes");
        }
        var shape = new long[rank];
        for (var d = 0; d < rank; d++)
        {
            shape[d] = reader.ReadInt64();
        }
        var elementType = (TensorElementType)reader.ReadByte();
        var data = PayloadBufferPool.Shared.Rent((int)(length - header));
        reader.ReadBytes(data.AsSpan());
        // Not checked against its shape here: the receiving layer does that, and fails naming itself.
        var payload = new TensorPayload(shape, elementType, data, received: true);
        ReferenceCodec.RecordObject(reader.Session, payload);
        return payload;
    }
}
