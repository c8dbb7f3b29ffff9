using System.Runtime.InteropServices;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Signals;
using Orleans.Runtime;

namespace Countercurrent.Tests.Signals;

/// <summary>The frames of a signal link: every field and payload arrives as sent, failures keep what the job decides on.</summary>
public sealed class SignalWireTests
{
    private static TensorPayload Floats(params long[] shape)
    {
        var values = Enumerable.Range(0, (int)shape.Aggregate(1L, (n, d) => n * d)).Select(i => i * 0.25f - 1).ToArray();
        return new TensorPayload(shape, TensorElementType.Float32, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    private static TensorPayload Labels(params long[] labels) =>
        new([labels.Length], TensorElementType.Int64, MemoryMarshal.AsBytes(labels.AsSpan()).ToArray());

    private static async Task<SignalFrame> RoundTrip(SignalFrame frame)
    {
        var stream = new MemoryStream();
        await SignalWire.Write(stream, frame, CancellationToken.None);
        stream.Position = 0;
        var read = await SignalWire.Read(stream, CancellationToken.None);
        Assert.Equal(stream.Length, stream.Position); // the frame, all of it and nothing more
        return read;
    }

    [Fact]
    public async Task A_forward_request_arrives_with_its_fields_payloads_and_trace_context()
    {
        var images = Floats(2, 3);
        var labels = Labels(7, 1);
        var signal = new ForwardSignal("job", 5, Phase.Train, images, labels, images);

        var read = await RoundTrip(SignalFrame.ForwardRequest(42, "job/1", signal, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "k=v"));

        Assert.Equal(SignalFrameType.Forward, read.Type);
        Assert.Equal(42, read.Id);
        Assert.Equal("job/1", read.TargetKey);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", read.TraceParent);
        Assert.Equal("k=v", read.TraceState);
        var received = read.Forward!;
        Assert.Equal(("job", 5L, Phase.Train), (received.JobId, received.Step, received.Phase));
        Assert.Equal(images.Shape, received.Activation.Shape);
        Assert.Equal(images.Data, received.Activation.Data);
        Assert.Equal(TensorElementType.Int64, received.Labels!.ElementType);
        Assert.Equal(labels.Data, received.Labels.Data);
        Assert.Same(received.Activation, received.Input); // sent as one payload, as the grain-call codec does
        Assert.True(received.Activation.Received);
        Assert.True(received.Labels.Received);
    }

    [Fact]
    public async Task An_eval_forward_without_labels_or_input_and_an_untraced_request_arrive_as_sent()
    {
        var signal = new ForwardSignal("job", -3, Phase.Eval, Floats(4, 1, 2, 2), null);

        var read = await RoundTrip(SignalFrame.ForwardRequest(1, "job/0", signal, null, null));

        Assert.Null(read.TraceParent);
        Assert.Null(read.TraceState);
        Assert.Equal(Phase.Eval, read.Forward!.Phase);
        Assert.Equal(-3, read.Forward.Step);
        Assert.Equal([4L, 1, 2, 2], read.Forward.Activation.Shape);
        Assert.Null(read.Forward.Labels);
        Assert.Null(read.Forward.Input);
    }

    [Fact]
    public async Task A_forward_with_its_own_raw_input_carries_three_payloads()
    {
        var input = Floats(2, 4);
        var signal = new ForwardSignal("job", 2, Phase.Train, Floats(2, 3), Labels(0, 9), input);

        var read = await RoundTrip(SignalFrame.ForwardRequest(3, "job/2", signal, null, null));

        Assert.NotSame(read.Forward!.Activation, read.Forward.Input);
        Assert.Equal(input.Shape, read.Forward.Input!.Shape);
        Assert.Equal(input.Data, read.Forward.Input.Data);
    }

    [Fact]
    public async Task A_feedback_request_arrives_with_its_kind_sender_and_signal()
    {
        var signal = new FeedbackSignal("job", 9, FeedbackKind.FeedbackActivation, Floats(10, 16), 2);

        var read = await RoundTrip(SignalFrame.FeedbackRequest(7, "job/1", signal, null, null));

        Assert.Equal(SignalFrameType.Feedback, read.Type);
        var received = read.Feedback!;
        Assert.Equal(("job", 9L, FeedbackKind.FeedbackActivation, 2), (received.JobId, received.Step, received.Kind, received.FromLayer));
        Assert.Equal(signal.Signal.Data, received.Signal.Data);
        Assert.Equal(9, read.Step);
    }

    [Fact]
    public async Task A_report_keeps_its_losses_and_tally()
    {
        var report = new StepReport(11, [new LayerLoss(0, 0.5f), new LayerLoss(2, 2.25f)], new EvalTally(30, 32, 12.5));

        var read = await RoundTrip(SignalFrame.ReportReply(5, report));

        Assert.Equal(SignalFrameType.Report, read.Type);
        Assert.Equal(5, read.Id);
        Assert.Equal(11, read.Report!.Step);
        Assert.Equal(report.Losses, read.Report.Losses);
        Assert.Equal(report.Eval, read.Report.Eval);
        Assert.Null((await RoundTrip(SignalFrame.ReportReply(6, StepReport.Empty(3)))).Report!.Eval);
    }

    [Fact]
    public async Task Failures_keep_what_the_job_decides_on()
    {
        var lost = (LayerFailedException)(await RoundTrip(SignalFrame.FailureReply(1, new LayerFailedException(2, 17, "no state", stateLost: true)))).Failure!;
        Assert.Equal((2, 17L, "no state", true), (lost.Layer, lost.Step, lost.Reason, lost.StateLost));
        Assert.Equal("layer 2 failed at step 17: no state", lost.Message);

        var math = (LayerFailedException)(await RoundTrip(SignalFrame.FailureReply(1, new LayerFailedException(0, 3, "NaN loss")))).Failure!;
        Assert.False(math.StateLost);

        // Lost silos and timeouts further down the chain stay recoverable; anything else does not.
        var silo = (await RoundTrip(SignalFrame.FailureReply(1, new SiloUnavailableException("silo S gone")))).Failure!;
        Assert.IsType<SignalLinkException>(silo);
        Assert.IsAssignableFrom<OrleansException>(silo);
        Assert.Contains("silo S gone", silo.Message);
        Assert.IsType<TimeoutException>((await RoundTrip(SignalFrame.FailureReply(1, new TimeoutException("slow")))).Failure);
        var other = (await RoundTrip(SignalFrame.FailureReply(1, new ArgumentException("bad")))).Failure!;
        Assert.IsType<InvalidOperationException>(other);
        Assert.Contains("System.ArgumentException", other.Message);
        Assert.Contains("bad", other.Message);
        Assert.Equal(SignalFrameType.NotHere, (await RoundTrip(SignalFrame.NotHereReply(9))).Type);
    }

    [Fact]
    public async Task A_frame_cut_short_or_with_a_malformed_header_is_refused()
    {
        var stream = new MemoryStream();
        await SignalWire.Write(stream, SignalFrame.ForwardRequest(1, "job/1", new ForwardSignal("job", 0, Phase.Train, Floats(8, 8), null), null, null), CancellationToken.None);
        var cut = new MemoryStream(stream.ToArray()[..^10]);
        await Assert.ThrowsAsync<EndOfStreamException>(() => SignalWire.Read(cut, CancellationToken.None));

        await Assert.ThrowsAsync<EndOfStreamException>(() => SignalWire.Read(new MemoryStream(), CancellationToken.None));
        var huge = new MemoryStream(BitConverter.GetBytes(SignalWire.MaxHeaderBytes + 1));
        await Assert.ThrowsAsync<InvalidDataException>(() => SignalWire.Read(huge, CancellationToken.None));
        var unknown = new MemoryStream([9, 0, 0, 0, 77, 0, 0, 0, 0, 0, 0, 0, 0]);
        await Assert.ThrowsAsync<InvalidDataException>(() => SignalWire.Read(unknown, CancellationToken.None));
    }
}
