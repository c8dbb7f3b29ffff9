using System.Runtime.InteropServices;
using Countercurrent.Contracts.Signals;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Tensors;

/// <summary>Converts between TorchSharp tensors and wire payloads (shape, element type, one byte blob).</summary>
public static class TensorPayloads
{
    /// <summary>Copies a tensor (any device) into a payload; refuses one over <see cref="TensorPayload.MaxBytes"/> before copying.</summary>
    /// <param name="pool">Where to rent the byte array (the caller then returns it when the payload has been delivered), or null for a new one.</param>
    public static TensorPayload ToPayload(Tensor tensor, string name = "tensor", PayloadBufferPool? pool = null)
    {
        var type = tensor.dtype switch
        {
            ScalarType.Float32 => TensorElementType.Float32,
            ScalarType.Int64 => TensorElementType.Int64,
            _ => throw new InvalidPayloadException($"{name}: tensors of {tensor.dtype} cannot be sent"),
        };
        var bytes = tensor.numel() * TensorPayload.ElementSize(type);
        if (bytes > TensorPayload.MaxBytes)
        {
            throw new InvalidPayloadException(
                $"{name}: {bytes:N0} bytes for shape [{string.Join(", ", tensor.shape)}] is over the payload limit of {TensorPayload.MaxBytes:N0} bytes; use a smaller batch");
        }
        using var source = tensor.device_type == DeviceType.CPU ? tensor.detach().contiguous() : tensor.detach().cpu().contiguous();
        // Every byte is overwritten by the copy, so the array need not be zeroed first.
        var data = pool?.Rent((int)bytes) ?? GC.AllocateUninitializedArray<byte>((int)bytes);
        source.bytes.CopyTo(data);
        return new TensorPayload(tensor.shape, type, data);
    }

    /// <summary>Creates a tensor on <paramref name="device"/> from a payload, after checking its bytes against its shape.</summary>
    public static Tensor ToTensor(TensorPayload payload, Device? device = null, string name = "payload")
    {
        payload.Validate(name);
        var type = payload.ElementType == TensorElementType.Float32 ? ScalarType.Float32 : ScalarType.Int64;
        var tensor = empty(payload.Shape, type);
        tensor.bytes = payload.Data;
        if (device is null || device.type == DeviceType.CPU)
        {
            return tensor;
        }
        using (tensor)
        {
            return tensor.to(device);
        }
    }

    /// <summary>A float payload written straight from managed floats, with no tensor in between.</summary>
    public static TensorPayload FromFloats(ReadOnlySpan<float> values, long[] shape) =>
        new(shape, TensorElementType.Float32, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>An int64 payload written straight from managed longs.</summary>
    public static TensorPayload FromLongs(ReadOnlySpan<long> values, long[] shape) =>
        new(shape, TensorElementType.Int64, MemoryMarshal.AsBytes(values).ToArray());
}
