using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// Which chains holding feedback-free rules (local-aux, ff, noprop) can work, and why the others cannot.
/// <list type="bullet">
/// <item>ff and noprop decide what travels between their layers (ff: positive, negative and neutral rows; noprop: noised
/// label embeddings next to the raw input), so every layer of the chain must have the rule.</item>
/// <item>A layer that learns from feedback cannot sit under a feedback-free layer: nothing would ever come down to it.</item>
/// <item>A feedback-free layer may sit under another feedback-free layer, or under backprop, which then sends nothing
/// down to it (<see cref="BackpropRule"/> asks <see cref="RuleCatalog.TakesFeedback"/>): e.g. local-aux layers under a
/// block of backprop layers. Any other rule above it would send feedback it has no use for.</item>
/// </list>
/// </summary>
internal static class FeedbackFreeMixes
{
    private static readonly string[] WholeChainRules = [ForwardForwardRule.RuleName, NoPropRule.RuleName];

    public static void Validate(IReadOnlyList<LayerSpec> chain)
    {
        foreach (var rule in WholeChainRules)
        {
            var other = chain.FirstOrDefault(l => l.Rule != rule);
            if (other is not null && chain.Any(l => l.Rule == rule))
            {
                throw new JobSpecException("rules",
                    $"'{rule}' shapes what travels between its layers, so it must be the rule of every layer; layer {other.Index} has '{other.Rule}'");
            }
        }
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            var (below, above) = (chain[i], chain[i + 1]);
            if (RuleCatalog.TakesFeedback(below.Rule) && !RuleCatalog.TakesFeedback(above.Rule))
            {
                throw new JobSpecException("rules",
                    $"layer {below.Index} ({below.Rule}) learns from feedback but layer {above.Index} ({above.Rule}) sends none; give layer {below.Index} a feedback-free rule too");
            }
            if (!RuleCatalog.TakesFeedback(below.Rule) && RuleCatalog.TakesFeedback(above.Rule) && above.Rule != BackpropRule.RuleName)
            {
                throw new JobSpecException("rules",
                    $"layer {above.Index} ({above.Rule}) would send feedback to layer {below.Index} ({below.Rule}), which takes none; only {below.Rule} or backprop layers can sit above it");
            }
        }
    }
}
