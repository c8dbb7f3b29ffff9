using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Tensors;
using static TorchSharp.torch;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// Wire signals to the tensors a rule works on and back. Labels and raw input that a layer passes on unchanged keep
/// their original payload, so they are never converted again.
/// </summary>
public static class SignalConversion
{
    public static ForwardBatch ToBatch(ForwardSignal signal, Device device, int layer) => new(
        signal.Step,
        signal.Phase,
        TensorPayloads.ToTensor(signal.Activation, device, $"activation into layer {layer}"),
        signal.Labels is null ? null : TensorPayloads.ToTensor(signal.Labels, device, $"labels into layer {layer}"),
        signal.Input is null ? null : TensorPayloads.ToTensor(signal.Input, device, $"input into layer {layer}"));

    public static FeedbackBatch ToBatch(FeedbackSignal signal, Device device, int layer) => new(
        signal.Step,
        signal.Kind,
        TensorPayloads.ToTensor(signal.Signal, device, $"{signal.Kind} feedback into layer {layer}"),
        signal.FromLayer);

    /// <summary>The forward signal for the layer above; <paramref name="received"/> and its tensors let unchanged parts reuse their payloads.</summary>
    /// <remarks>The activation's bytes come from <paramref name="pool"/>; labels and input passed on unchanged keep the received payload's.</remarks>
    public static ForwardSignal ToSignal(string jobId, ForwardBatch up, ForwardSignal? received, ForwardBatch? receivedBatch, int layer, PayloadBufferPool pool) => new(
        jobId,
        up.Step,
        up.Phase,
        TensorPayloads.ToPayload(up.Activation, $"activation of layer {layer}", pool),
        Reuse(up.Labels, receivedBatch?.Labels, received?.Labels, $"labels from layer {layer}"),
        Reuse(up.Input, receivedBatch?.Input, received?.Input, $"input from layer {layer}"));

    /// <remarks>The signal's bytes come from <paramref name="pool"/>.</remarks>
    public static FeedbackSignal ToSignal(string jobId, FeedbackBatch feedback, int layer, PayloadBufferPool pool) => new(
        jobId,
        feedback.Step,
        feedback.Kind,
        TensorPayloads.ToPayload(feedback.Signal, $"{feedback.Kind} feedback of layer {layer}", pool),
        feedback.FromLayer);

    private static TensorPayload? Reuse(Tensor? tensor, Tensor? receivedTensor, TensorPayload? receivedPayload, string name) =>
        tensor is null ? null
        : ReferenceEquals(tensor, receivedTensor) && receivedPayload is not null ? receivedPayload
        : TensorPayloads.ToPayload(tensor, name);
}
