using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Models;

/// <summary>
/// How a NoProp model is written: as an MLP string whose rule is noprop on every layer. <c>mlp:784-256x10-10</c> is
/// ten denoising blocks of hidden width 256 and the classifier: each width before the last is one block's
/// <see cref="LayerSpec.Hidden"/> width, the last is the number of classes. Between layers travels z, as wide as the
/// class embedding (the number of classes), so the blocks' specs say [classes] in and out; block 0 takes the dataset's
/// samples as its activation (the job sends them in), and every block reads the raw input next to z.
/// </summary>
public static class NoPropModel
{
    public static bool Applies(IReadOnlyList<string> rules) =>
        rules.Count > 0 && rules.All(r => r == Rules.NoPropRule.RuleName);

    /// <summary>The NoProp chain for a parsed MLP chain.</summary>
    public static LayerSpec[] Chain(string model, IReadOnlyList<LayerSpec> mlp)
    {
        if (mlp.Any(l => l.Kind != LayerKind.Linear))
        {
            throw new JobSpecException("model", $"'{model}': noprop builds MLP denoising blocks; write it as mlp:784-256x10-10 (ten blocks of width 256, then the classes)");
        }
        if (mlp.Count < 2)
        {
            throw new JobSpecException("model", $"'{model}': noprop needs at least one denoising block before the classifier, e.g. mlp:784-256x10-10");
        }
        long[] embedding = mlp[^1].OutputShape;
        return mlp.Select((layer, i) => i == mlp.Count - 1
            ? layer with { InputShape = embedding }
            : layer with { InputShape = i == 0 ? layer.InputShape : embedding, OutputShape = embedding, Hidden = layer.OutputFeatures })
            .ToArray();
    }
}
