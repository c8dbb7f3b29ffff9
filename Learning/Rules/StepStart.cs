using Countercurrent.Contracts.Signals;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// How a training step starts besides the batch entering layer 0: rules whose feedback stream starts from the class
/// targets (counter-current learning) also get the labels at the top, so that stream runs alongside the forward one.
/// </summary>
public static class StepStart
{
    public static bool NeedsTargets(string topRule) => RuleCatalog.StartsFeedbackFromTargets(topRule);

    public static FeedbackBatch? Targets(LayerContext top, long step, Tensor labels) =>
        NeedsTargets(top.Layer.Rule) ? new FeedbackBatch(step, FeedbackKind.Targets, labels, top.Chain.Length) : null;
}
