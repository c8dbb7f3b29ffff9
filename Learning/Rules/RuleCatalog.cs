using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Rules;

/// <summary>The learning rules a layer can have, by name, and which chains of them can work together.</summary>
public static class RuleCatalog
{
    private static readonly Dictionary<string, Func<LayerContext, ILearningRule>> Factories = new()
    {
        [BackpropRule.RuleName] = context => new BackpropRule(context),
        [FeedbackAlignmentRule.RuleName] = context => new FeedbackAlignmentRule(context),
        [DirectFeedbackAlignmentRule.RuleName] = context => new DirectFeedbackAlignmentRule(context),
        [CounterCurrentRule.RuleName] = context => new CounterCurrentRule(context),
        [LocalAuxiliaryRule.RuleName] = context => new LocalAuxiliaryRule(context),
        [ForwardForwardRule.RuleName] = context => new ForwardForwardRule(context),
        [NoPropRule.RuleName] = context => new NoPropRule(context),
    };

    /// <summary>Rules at the top whose feedback stream starts from the class targets, not from the forward pass.</summary>
    private static readonly HashSet<string> TargetDriven = [CounterCurrentRule.RuleName];

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Rules that condition every block on the raw input, which then travels with every forward signal.</summary>
    private static readonly HashSet<string> InputConditioned = [NoPropRule.RuleName];

    /// <summary>Rules that learn from what arrives from below (and the label) alone: they neither take nor send feedback.</summary>
    private static readonly HashSet<string> FeedbackFree = [LocalAuxiliaryRule.RuleName, ForwardForwardRule.RuleName, NoPropRule.RuleName];

    /// <summary>Whether a layer with this rule learns from feedback, so that the layer above should send it some.</summary>
    public static bool TakesFeedback(string rule) => !FeedbackFree.Contains(rule);

    public static bool StartsFeedbackFromTargets(string rule) => TargetDriven.Contains(rule);

    public static bool NeedsRawInput(IEnumerable<LayerSpec> chain) => chain.Any(l => InputConditioned.Contains(l.Rule));

    public static ILearningRule Create(LayerContext context) =>
        Factories.TryGetValue(context.Layer.Rule, out var create)
            ? create(context)
            : throw new JobSpecException("rules", $"rule '{context.Layer.Rule}' is unknown; expected one of {string.Join(", ", Names)}");

    /// <summary>
    /// Refuses unknown rules and chains whose neighbours cannot exchange signals, saying why:
    /// <list type="bullet">
    /// <item>backprop and fa mix freely (each takes the error from above as dLoss/d(output)); fa is for linear layers.</item>
    /// <item>dfa layers learn from the output error broadcast by the top and send nothing down, so they must be all the
    /// layers below the top, and the top must broadcast (dfa or backprop). A dfa conv layer keeps a graph that other
    /// steps' weight updates would invalidate, so it takes one step in flight.</item>
    /// <item>ccl layers exchange feedback activations with both neighbours, so every layer must be ccl; its conv layers
    /// need odd kernels and, like dfa's, one step in flight.</item>
    /// </list>
    /// </summary>
    public static void ValidateChain(IReadOnlyList<LayerSpec> chain, int stepsInFlight = 1)
    {
        foreach (var layer in chain)
        {
            // A JSON array may hold null even though the type says it cannot; Dictionary would throw on the null key.
            if (layer.Rule is null || !Factories.ContainsKey(layer.Rule))
            {
                throw new JobSpecException("rules", $"layer {layer.Index}: rule '{layer.Rule}' is unknown; expected one of {string.Join(", ", Names)}");
            }
        }
        for (var i = 0; i < chain.Count; i++)
        {
            var layer = chain[i];
            var isTop = i == chain.Count - 1;
            switch (layer.Rule)
            {
                case FeedbackAlignmentRule.RuleName when layer.Kind != LayerKind.Linear:
                    Refuse(i, "fa is implemented for linear layers only: on a conv layer its fixed matrix would have to stand in for a transposed convolution; use backprop (or dfa) for conv layers");
                    break;
                case DirectFeedbackAlignmentRule.RuleName:
                    if (i > 0 && chain[i - 1].Rule != DirectFeedbackAlignmentRule.RuleName)
                    {
                        Refuse(i - 1, $"it is below a dfa layer, which sends nothing down (dfa layers learn from the output error the top broadcasts), so its rule '{chain[i - 1].Rule}' would never get an error; use dfa for every layer below the top");
                    }
                    if (!isTop && i + 1 != chain.Count - 1 && chain[i + 1].Rule != DirectFeedbackAlignmentRule.RuleName)
                    {
                        Refuse(i + 1, $"it is between dfa layer {i} and the top, but dfa layers learn from the output error broadcast by the top; use dfa for every layer below the top");
                    }
                    if (!isTop && chain[^1].Rule is not (DirectFeedbackAlignmentRule.RuleName or BackpropRule.RuleName))
                    {
                        Refuse(chain.Count - 1, $"the top layer over dfa layers must broadcast the output error, which only dfa and backprop do, not '{chain[^1].Rule}'");
                    }
                    if (!isTop && layer.Kind != LayerKind.Linear && stepsInFlight > 1)
                    {
                        throw new JobSpecException("stepsInFlight",
                            $"{stepsInFlight}: dfa conv layer {i} keeps its forward graph until the output error arrives, and a conv graph does not survive other steps' weight updates; use 1 step in flight (linear dfa layers allow more)");
                    }
                    break;
                case CounterCurrentRule.RuleName:
                    if (chain.FirstOrDefault(other => other.Rule != CounterCurrentRule.RuleName) is { } mixed)
                    {
                        Refuse(mixed.Index, $"its rule '{mixed.Rule}' is mixed with ccl, but ccl layers exchange feedback activations with both neighbours (the feedback network runs through every layer); use ccl for every layer");
                    }
                    if (layer.Kind == LayerKind.Conv && layer.Kernel % 2 == 0)
                    {
                        Refuse(i, $"ccl conv layers need an odd kernel (not {layer.Kernel}), so that the feedback convolution keeps the input's size");
                    }
                    if (layer.Kind == LayerKind.Conv && stepsInFlight > 1)
                    {
                        throw new JobSpecException("stepsInFlight",
                            $"{stepsInFlight}: ccl conv layer {i} keeps the graphs of its two streams until the step's update, and a conv graph does not survive other steps' weight updates; use 1 step in flight (ccl mlp models allow more)");
                    }
                    break;
            }
        }
        FeedbackFreeMixes.Validate(chain);
    }

    private static void Refuse(int layer, string why) => throw new JobSpecException("rules", $"layer {layer}: {why}");
}
