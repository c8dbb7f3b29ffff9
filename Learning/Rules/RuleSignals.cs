using Countercurrent.Contracts.Signals;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>A forward signal as tensors: the activation from below and what travels with it.</summary>
public sealed record ForwardBatch(long Step, Phase Phase, Tensor Activation, Tensor? Labels, Tensor? Input = null);

/// <summary>A feedback signal as tensors.</summary>
public sealed record FeedbackBatch(long Step, FeedbackKind Kind, Tensor Signal, int FromLayer);

/// <summary>
/// What a rule produced from one signal: a forward signal for the layer above, a feedback signal for the layer below,
/// one for every layer below (direct feedback alignment), its local loss, at the top in evaluation the tally, and the
/// weight update it left for after the signals have gone (<see cref="Update"/>). Tensors belong to the caller's
/// dispose scope.
/// </summary>
/// <param name="Update">
/// The rest of the step's work when none of the signals depends on it: the weight gradients and the optimizer step.
/// The caller sends the signals first and runs it afterwards, before the layer's next call (<see cref="Layer"/> sees
/// to that), so that other layers work on the signals meanwhile; the weights come out as if it had run first. It owns
/// the tensors it needs (none from the caller's dispose scope, which may be gone by then) and disposes them.
/// </param>
public sealed record RuleOutput(
    ForwardBatch? Up = null,
    FeedbackBatch? Down = null,
    FeedbackBatch? Broadcast = null,
    float? Loss = null,
    EvalTally? Eval = null,
    Action? Update = null);
