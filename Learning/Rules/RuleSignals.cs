using Countercurrent.Contracts.Signals;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>A forward signal as tensors: the activation from below and what travels with it.</summary>
public sealed record ForwardBatch(long Step, Phase Phase, Tensor Activation, Tensor? Labels, Tensor? Input = null);

/// <summary>A feedback signal as tensors.</summary>
public sealed record FeedbackBatch(long Step, FeedbackKind Kind, Tensor Signal, int FromLayer);

/// <summary>
/// What a rule produced from one signal: a forward signal for the layer above, a feedback signal for the layer below,
/// one for every layer below (direct feedback alignment), its local loss, and, at the top in evaluation, the tally.
/// Tensors belong to the caller's dispose scope.
/// </summary>
public sealed record RuleOutput(
    ForwardBatch? Up = null,
    FeedbackBatch? Down = null,
    FeedbackBatch? Broadcast = null,
    float? Loss = null,
    EvalTally? Eval = null)
{
    public static readonly RuleOutput None = new();
}
