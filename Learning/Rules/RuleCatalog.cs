using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Rules;

/// <summary>The learning rules a layer can have, by name, and which chains of them can work together.</summary>
public static class RuleCatalog
{
    private static readonly Dictionary<string, Func<LayerContext, ILearningRule>> Factories = new()
    {
        [BackpropRule.RuleName] = context => new BackpropRule(context),
        [LocalAuxiliaryRule.RuleName] = context => new LocalAuxiliaryRule(context),
        [ForwardForwardRule.RuleName] = context => new ForwardForwardRule(context),
        [NoPropRule.RuleName] = context => new NoPropRule(context),
    };

    /// <summary>Rules at the top whose feedback stream starts from the class targets, not from the forward pass.</summary>
    private static readonly HashSet<string> TargetDriven = [];

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

    /// <summary>Refuses unknown rules and chains whose neighbours cannot exchange signals, saying why.</summary>
    public static void ValidateChain(IReadOnlyList<LayerSpec> chain)
    {
        foreach (var layer in chain)
        {
            // A JSON array may hold null even though the type says it cannot; Dictionary would throw on the null key.
            if (layer.Rule is null || !Factories.ContainsKey(layer.Rule))
            {
                throw new JobSpecException("rules", $"layer {layer.Index}: rule '{layer.Rule}' is unknown; expected one of {string.Join(", ", Names)}");
            }
        }
        FeedbackFreeMixes.Validate(chain);
    }
}
