using System.Buffers.Binary;
using System.Text;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Signals;
using Orleans.Runtime;

namespace Countercurrent.Grains.Signals;

/// <summary>
/// How a <see cref="SignalFrame"/> travels on a signal link: a 4-byte little-endian length, a header of that many bytes
/// (<see cref="BinaryWriter"/> encoding: the frame's type and id, then its fields, each payload as rank, dimensions,
/// element type and byte count), then the payloads' bytes, each in one piece in the order the header lists them. The
/// reader puts each payload straight into an array rented from <see cref="PayloadBufferPool.Shared"/>, marked
/// <see cref="TensorPayload.Received"/>, so a received signal is handled as one a grain call brought.
/// <para>
/// A failure travels as what the job needs to decide on it (<see cref="FailureCode"/>): a layer's failure with its
/// layer, step, reason and whether its state was lost; an Orleans failure (a silo or link lost on the way, which the job
/// recovers from) as a <see cref="SignalLinkException"/>; a timeout as a <see cref="TimeoutException"/>; anything else
/// by type name and message, which the job does not recover from.
/// </para>
/// </summary>
public static class SignalWire
{
    /// <summary>Upper bound on a header: keys, ids and failure messages, never tensors.</summary>
    public const int MaxHeaderBytes = 1024 * 1024;

    private enum FailureCode : byte
    {
        Layer = 1,
        Orleans = 2,
        Timeout = 3,
        Other = 4,
    }

    private enum InputMode : byte
    {
        None = 0,
        SameAsActivation = 1,
        Own = 2,
    }

    /// <summary>Writes <paramref name="frame"/> whole; the caller keeps other writers off the stream meanwhile.</summary>
    public static async Task Write(Stream stream, SignalFrame frame, CancellationToken cancel)
    {
        var payloads = new List<TensorPayload>(3);
        var header = new MemoryStream(256);
        header.Write(stackalloc byte[4]); // the length, filled in below
        using (var writer = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)frame.Type);
            writer.Write(frame.Id);
            switch (frame.Type)
            {
                case SignalFrameType.Forward:
                    WriteRequestHead(writer, frame);
                    WriteForward(writer, frame.Forward!, payloads);
                    break;
                case SignalFrameType.Feedback:
                    WriteRequestHead(writer, frame);
                    WriteFeedback(writer, frame.Feedback!, payloads);
                    break;
                case SignalFrameType.Report:
                    WriteReport(writer, frame.Report!);
                    break;
                case SignalFrameType.Failure:
                    WriteFailure(writer, frame.Failure!);
                    break;
                case SignalFrameType.NotHere:
                    break;
                default:
                    throw new ArgumentException($"unknown frame type {frame.Type}", nameof(frame));
            }
        }
        var headerLength = (int)header.Length - 4;
        if (headerLength > MaxHeaderBytes)
        {
            throw new InvalidOperationException($"a signal frame header of {headerLength:N0} bytes is over the limit of {MaxHeaderBytes:N0}");
        }
        var bytes = header.GetBuffer();
        BinaryPrimitives.WriteInt32LittleEndian(bytes, headerLength);
        await stream.WriteAsync(bytes.AsMemory(0, (int)header.Length), cancel).ConfigureAwait(false);
        foreach (var payload in payloads)
        {
            await stream.WriteAsync(payload.Data, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Reads one frame; throws <see cref="EndOfStreamException"/> when the stream ends, also at a frame's start.</summary>
    public static async Task<SignalFrame> Read(Stream stream, CancellationToken cancel)
    {
        var lengthBytes = new byte[4];
        await stream.ReadExactlyAsync(lengthBytes, cancel).ConfigureAwait(false);
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes)
        {
            throw new InvalidDataException($"a signal frame header of {headerLength:N0} bytes is malformed or over the limit of {MaxHeaderBytes:N0}");
        }
        var header = new byte[headerLength];
        await stream.ReadExactlyAsync(header, cancel).ConfigureAwait(false);
        var pending = new List<byte[]>(3);
        SignalFrame frame;
        using (var reader = new BinaryReader(new MemoryStream(header, writable: false), Encoding.UTF8))
        {
            var type = (SignalFrameType)reader.ReadByte();
            var id = reader.ReadInt64();
            frame = type switch
            {
                SignalFrameType.Forward => ReadForward(reader, id, pending),
                SignalFrameType.Feedback => ReadFeedback(reader, id, pending),
                SignalFrameType.Report => SignalFrame.ReportReply(id, ReadReport(reader)),
                SignalFrameType.Failure => SignalFrame.FailureReply(id, ReadFailure(reader)),
                SignalFrameType.NotHere => SignalFrame.NotHereReply(id),
                _ => throw new InvalidDataException($"unknown signal frame type {(byte)type}"),
            };
        }
        // The header named the payloads; their bytes follow in that order.
        foreach (var data in pending)
        {
            await stream.ReadExactlyAsync(data, cancel).ConfigureAwait(false);
        }
        return frame;
    }

    private static void WriteRequestHead(BinaryWriter writer, SignalFrame frame)
    {
        writer.Write(frame.TargetKey);
        writer.Write(frame.TraceParent ?? "");
        writer.Write(frame.TraceState ?? "");
    }

    private static (string Key, string? TraceParent, string? TraceState) ReadRequestHead(BinaryReader reader)
    {
        var key = reader.ReadString();
        var parent = reader.ReadString();
        var state = reader.ReadString();
        return (key, parent.Length > 0 ? parent : null, state.Length > 0 ? state : null);
    }

    private static void WriteForward(BinaryWriter writer, ForwardSignal signal, List<TensorPayload> payloads)
    {
        writer.Write(signal.JobId);
        writer.Write(signal.Step);
        writer.Write((byte)signal.Phase);
        WritePayload(writer, signal.Activation, payloads);
        writer.Write(signal.Labels is not null);
        if (signal.Labels is not null)
        {
            WritePayload(writer, signal.Labels, payloads);
        }
        var input = signal.Input is null ? InputMode.None : ReferenceEquals(signal.Input, signal.Activation) ? InputMode.SameAsActivation : InputMode.Own;
        writer.Write((byte)input);
        if (input == InputMode.Own)
        {
            WritePayload(writer, signal.Input!, payloads);
        }
    }

    private static SignalFrame ReadForward(BinaryReader reader, long id, List<byte[]> pending)
    {
        var (key, parent, state) = ReadRequestHead(reader);
        var jobId = reader.ReadString();
        var step = reader.ReadInt64();
        var phase = (Phase)reader.ReadByte();
        var activation = ReadPayload(reader, pending);
        var labels = reader.ReadBoolean() ? ReadPayload(reader, pending) : null;
        var input = (InputMode)reader.ReadByte() switch
        {
            InputMode.None => null,
            InputMode.SameAsActivation => activation,
            InputMode.Own => ReadPayload(reader, pending),
            var other => throw new InvalidDataException($"unknown input mode {(byte)other}"),
        };
        return SignalFrame.ForwardRequest(id, key, new ForwardSignal(jobId, step, phase, activation, labels, input), parent, state);
    }

    private static void WriteFeedback(BinaryWriter writer, FeedbackSignal signal, List<TensorPayload> payloads)
    {
        writer.Write(signal.JobId);
        writer.Write(signal.Step);
        writer.Write((byte)signal.Kind);
        writer.Write(signal.FromLayer);
        WritePayload(writer, signal.Signal, payloads);
    }

    private static SignalFrame ReadFeedback(BinaryReader reader, long id, List<byte[]> pending)
    {
        var (key, parent, state) = ReadRequestHead(reader);
        var jobId = reader.ReadString();
        var step = reader.ReadInt64();
        var kind = (FeedbackKind)reader.ReadByte();
        var from = reader.ReadInt32();
        var signal = ReadPayload(reader, pending);
        return SignalFrame.FeedbackRequest(id, key, new FeedbackSignal(jobId, step, kind, signal, from), parent, state);
    }

    private static void WritePayload(BinaryWriter writer, TensorPayload payload, List<TensorPayload> payloads)
    {
        if (payload.Shape.Length > byte.MaxValue)
        {
            throw new InvalidPayloadException($"a payload of rank {payload.Shape.Length} cannot be sent (at most {byte.MaxValue} dimensions)");
        }
        writer.Write((byte)payload.Shape.Length);
        foreach (var dimension in payload.Shape)
        {
            writer.Write(dimension);
        }
        writer.Write((byte)payload.ElementType);
        writer.Write(payload.Data.Length);
        payloads.Add(payload);
    }

    private static TensorPayload ReadPayload(BinaryReader reader, List<byte[]> pending)
    {
        var rank = reader.ReadByte();
        var shape = new long[rank];
        for (var d = 0; d < rank; d++)
        {
            shape[d] = reader.ReadInt64();
        }
        var elementType = (TensorElementType)reader.ReadByte();
        var length = reader.ReadInt32();
        if (length < 0 || length > TensorPayload.MaxBytes)
        {
            throw new InvalidDataException($"a payload of {length:N0} bytes is malformed or over the limit of {TensorPayload.MaxBytes:N0} bytes");
        }
        // Not checked against its shape here: the receiving layer does that, and fails naming itself.
        var data = PayloadBufferPool.Shared.Rent(length);
        pending.Add(data);
        return TensorPayload.Arrived(shape, elementType, data);
    }

    private static void WriteReport(BinaryWriter writer, StepReport report)
    {
        writer.Write(report.Step);
        writer.Write(report.Losses.Length);
        foreach (var loss in report.Losses)
        {
            writer.Write(loss.Layer);
            writer.Write(loss.Loss);
        }
        writer.Write(report.Eval is not null);
        if (report.Eval is { } eval)
        {
            writer.Write(eval.Correct);
            writer.Write(eval.Count);
            writer.Write(eval.LossSum);
        }
    }

    private static StepReport ReadReport(BinaryReader reader)
    {
        var step = reader.ReadInt64();
        var count = reader.ReadInt32();
        if (count < 0 || count > MaxHeaderBytes / 8)
        {
            throw new InvalidDataException($"a step report with {count} losses is malformed");
        }
        var losses = new LayerLoss[count];
        for (var i = 0; i < count; i++)
        {
            losses[i] = new LayerLoss(reader.ReadInt32(), reader.ReadSingle());
        }
        var eval = reader.ReadBoolean() ? new EvalTally(reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble()) : null;
        return new StepReport(step, losses, eval);
    }

    private static void WriteFailure(BinaryWriter writer, Exception failure)
    {
        switch (failure)
        {
            case LayerFailedException layer:
                writer.Write((byte)FailureCode.Layer);
                writer.Write(layer.Layer);
                writer.Write(layer.Step);
                writer.Write(layer.Reason);
                writer.Write(layer.StateLost);
                break;
            case OrleansException:
                writer.Write((byte)FailureCode.Orleans);
                writer.Write(failure.Message);
                break;
            case TimeoutException:
                writer.Write((byte)FailureCode.Timeout);
                writer.Write(failure.Message);
                break;
            default:
                writer.Write((byte)FailureCode.Other);
                writer.Write(failure.GetType().FullName ?? failure.GetType().Name);
                writer.Write(failure.Message);
                break;
        }
    }

    private static Exception ReadFailure(BinaryReader reader) => (FailureCode)reader.ReadByte() switch
    {
        FailureCode.Layer => new LayerFailedException(reader.ReadInt32(), reader.ReadInt64(), reader.ReadString(), reader.ReadBoolean()),
        FailureCode.Orleans => new SignalLinkException(reader.ReadString()),
        FailureCode.Timeout => new TimeoutException(reader.ReadString()),
        FailureCode.Other => new InvalidOperationException($"{reader.ReadString()}: {reader.ReadString()}"),
        var other => throw new InvalidDataException($"unknown failure code {(byte)other}"),
    };
}
