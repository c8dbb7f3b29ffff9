using Countercurrent.Learning.Rules;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// Signals handed as tensors to a layer on the same silo (<see cref="LayerWorker"/>), as the in-process chain hands
/// them: no bytes, no copy. The sender hands aliases of its tensors (new handles on the same storage, so nothing the
/// sender keeps is disposed by the receiver), taken out of its dispose scope; the receiver takes them into the scope of
/// the work item that handles them, moved to its device if it is another, or disposes them if that item never runs.
/// Like the in-process chain, this relies on rules never writing into a tensor they received or sent.
/// </summary>
public static class HandedSignals
{
    public static ForwardBatch Hand(ForwardBatch batch) =>
        new(batch.Step, batch.Phase, Alias(batch.Activation), AliasOrNull(batch.Labels), AliasOrNull(batch.Input));

    public static FeedbackBatch Hand(FeedbackBatch feedback) =>
        new(feedback.Step, feedback.Kind, Alias(feedback.Signal), feedback.FromLayer);

    /// <summary>The handed batch in <paramref name="scope"/>, on <paramref name="device"/>.</summary>
    public static ForwardBatch Take(ForwardBatch handed, DisposeScope scope, Device device) =>
        new(handed.Step, handed.Phase, Take(handed.Activation, scope, device), TakeOrNull(handed.Labels, scope, device), TakeOrNull(handed.Input, scope, device));

    public static FeedbackBatch Take(FeedbackBatch handed, DisposeScope scope, Device device) =>
        new(handed.Step, handed.Kind, Take(handed.Signal, scope, device), handed.FromLayer);

    /// <summary>Frees a handed batch whose receiver never took it (it failed before its work item ran).</summary>
    public static void Dispose(ForwardBatch handed)
    {
        handed.Activation.Dispose();
        handed.Labels?.Dispose();
        handed.Input?.Dispose();
    }

    public static void Dispose(FeedbackBatch handed) => handed.Signal.Dispose();

    /// <summary>The bytes a tensor would take as a payload: what the layer counts as sent.</summary>
    public static long Bytes(Tensor tensor) => tensor.numel() * tensor.ElementSize;

    private static Tensor Alias(Tensor tensor) => tensor.alias().DetachFromDisposeScope();

    private static Tensor? AliasOrNull(Tensor? tensor) => tensor is null ? null : Alias(tensor);

    private static Tensor Take(Tensor handed, DisposeScope scope, Device device)
    {
        scope.Attach(handed);
        return handed.device_type == device.type && handed.device_index == device.index ? handed : handed.to(device);
    }

    private static Tensor? TakeOrNull(Tensor? handed, DisposeScope scope, Device device) => handed is null ? null : Take(handed, scope, device);
}
