using Countercurrent.Contracts.Signals;

namespace Countercurrent.Grains.Signals;

public enum SignalFrameType : byte
{
    /// <summary>A request: a forward signal for the layer <see cref="SignalFrame.TargetKey"/>.</summary>
    Forward = 1,

    /// <summary>A request: a feedback signal for the layer <see cref="SignalFrame.TargetKey"/>.</summary>
    Feedback = 2,

    /// <summary>A reply: the request's <see cref="StepReport"/>.</summary>
    Report = 3,

    /// <summary>A reply: handling the request failed (<see cref="SignalFrame.Failure"/>).</summary>
    Failure = 4,

    /// <summary>A reply: the layer is not active on the silo that got the request; the sender uses a grain call instead.</summary>
    NotHere = 5,
}

/// <summary>
/// One frame on a signal link (<see cref="SignalWire"/>): a request carrying one signal to one layer, with the trace
/// context of the sender when the step is traced, or the reply to request <see cref="Id"/>.
/// </summary>
public sealed record SignalFrame(SignalFrameType Type, long Id)
{
    public string TargetKey { get; init; } = "";
    public string? TraceParent { get; init; }
    public string? TraceState { get; init; }
    public ForwardSignal? Forward { get; init; }
    public FeedbackSignal? Feedback { get; init; }
    public StepReport? Report { get; init; }
    public Exception? Failure { get; init; }

    public static SignalFrame ForwardRequest(long id, string targetKey, ForwardSignal signal, string? traceParent, string? traceState) =>
        new(SignalFrameType.Forward, id) { TargetKey = targetKey, Forward = signal, TraceParent = traceParent, TraceState = traceState };

    public static SignalFrame FeedbackRequest(long id, string targetKey, FeedbackSignal signal, string? traceParent, string? traceState) =>
        new(SignalFrameType.Feedback, id) { TargetKey = targetKey, Feedback = signal, TraceParent = traceParent, TraceState = traceState };

    public static SignalFrame ReportReply(long id, StepReport report) => new(SignalFrameType.Report, id) { Report = report };

    public static SignalFrame FailureReply(long id, Exception failure) => new(SignalFrameType.Failure, id) { Failure = failure };

    public static SignalFrame NotHereReply(long id) => new(SignalFrameType.NotHere, id);

    /// <summary>The step the frame's signal belongs to (requests only; -1 for replies).</summary>
    public long Step => Forward?.Step ?? Feedback?.Step ?? -1;
}
