using System.Globalization;
using System.Text.RegularExpressions;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Models;

/// <summary>
/// Turns a job's model string into its chain of layers.
/// <list type="bullet">
/// <item><c>mlp:784-1024-1024-10</c>: input width then the width of each linear layer; <c>256x5</c> repeats a width.</item>
/// <item><c>cnn:c32k5m2-c64k5m2-1024-10</c>: conv layers <c>c{channels}k{kernel}</c> with optional <c>s{stride}</c>,
/// <c>p{padding}</c> (default: kernel/2) and <c>m{max-pool}</c>, then linear widths; the input shape comes from the dataset.</item>
/// </list>
/// Hidden layers use the job's activation; the top layer has none (its output is the class logits). With the noprop
/// rule an MLP string describes denoising blocks instead (<see cref="NoPropModel"/>).
/// </summary>
public static partial class ModelParser
{
    public static LayerSpec[] Parse(JobSpec spec, long[] sampleShape)
    {
        var model = spec.Model ?? "";
        var colon = model.IndexOf(':');
        if (colon < 0)
        {
            throw new JobSpecException("model", $"'{model}' has no kind; expected mlp:... or cnn:...");
        }
        var kind = model[..colon];
        var tokens = model[(colon + 1)..].Split('-', StringSplitOptions.TrimEntries);
        if (tokens.Any(t => t.Length == 0))
        {
            throw new JobSpecException("model", $"'{model}' has an empty part");
        }
        var layers = kind switch
        {
            "mlp" => ParseMlp(model, tokens, sampleShape),
            "cnn" => ParseCnn(model, tokens, sampleShape),
            _ => throw new JobSpecException("model", $"kind '{kind}' is unknown; expected mlp or cnn"),
        };
        var rules = spec.Rules ?? [];
        if (rules.Length != 1 && rules.Length != layers.Count)
        {
            throw new JobSpecException("rules", $"{rules.Length} rules for {layers.Count} layers; give one rule for all layers or one per layer");
        }
        var chain = layers.Select((layer, i) => layer with
        {
            Index = i,
            Activation = i == layers.Count - 1 ? "none" : spec.Activation,
            Bias = spec.Bias,
            Rule = rules.Length == 1 ? rules[0] : rules[i],
        }).ToArray();
        return NoPropModel.Applies(rules) ? NoPropModel.Chain(model, chain) : chain;
    }

    private static List<LayerSpec> ParseMlp(string model, string[] tokens, long[] sampleShape)
    {
        var widths = tokens.SelectMany(t => ExpandWidth(model, t)).ToList();
        if (widths.Count < 2)
        {
            throw new JobSpecException("model", $"'{model}' needs an input width and at least one layer");
        }
        var sampleSize = sampleShape.Aggregate(1L, (n, d) => n * d);
        if (widths[0] != sampleSize)
        {
            throw new JobSpecException("model", $"'{model}' takes {widths[0]} inputs but the dataset's samples have {sampleSize} ([{string.Join("x", sampleShape)}])");
        }
        return widths.Skip(1).Select((w, i) => new LayerSpec
        {
            Kind = LayerKind.Linear,
            InputShape = i == 0 ? sampleShape : [widths[i]],
            OutputShape = [w],
        }).ToList();
    }

    private static List<LayerSpec> ParseCnn(string model, string[] tokens, long[] sampleShape)
    {
        if (sampleShape.Length != 3)
        {
            throw new JobSpecException("model", $"'{model}' needs image samples [channels, height, width]; the dataset's are [{string.Join("x", sampleShape)}]");
        }
        var layers = new List<LayerSpec>();
        var shape = sampleShape;
        var seenLinear = false;
        foreach (var token in tokens)
        {
            var conv = ConvToken().Match(token);
            if (conv.Success)
            {
                if (seenLinear)
                {
                    throw new JobSpecException("model", $"'{model}': conv layer '{token}' after a linear layer");
                }
                int Group(string name, int fallback) =>
                    conv.Groups[name].Success ? int.Parse(conv.Groups[name].Value, CultureInfo.InvariantCulture) : fallback;
                var channels = Group("c", 0);
                var kernel = Group("k", 3);
                var stride = Group("s", 1);
                var padding = Group("p", kernel / 2);
                var pool = Group("m", 1);
                if (channels <= 0 || kernel <= 0 || stride <= 0 || pool <= 0)
                {
                    throw new JobSpecException("model", $"'{model}': conv layer '{token}' needs positive channels, kernel, stride and pool");
                }
                var height = ((shape[1] + 2 * padding - kernel) / stride + 1) / pool;
                var width = ((shape[2] + 2 * padding - kernel) / stride + 1) / pool;
                if (height <= 0 || width <= 0)
                {
                    throw new JobSpecException("model", $"'{model}': conv layer '{token}' shrinks [{string.Join("x", shape)}] to nothing");
                }
                long[] output = [channels, height, width];
                layers.Add(new LayerSpec
                {
                    Kind = LayerKind.Conv,
                    InputShape = shape,
                    OutputShape = output,
                    Kernel = kernel,
                    Stride = stride,
                    Padding = padding,
                    Pool = pool,
                });
                shape = output;
                continue;
            }
            foreach (var w in ExpandWidth(model, token))
            {
                seenLinear = true;
                layers.Add(new LayerSpec { Kind = LayerKind.Linear, InputShape = shape, OutputShape = [w] });
                shape = [w];
            }
        }
        if (layers.Count == 0 || layers[^1].Kind != LayerKind.Linear)
        {
            throw new JobSpecException("model", $"'{model}' must end with a linear layer whose width is the number of classes");
        }
        return layers;
    }

    private static IEnumerable<long> ExpandWidth(string model, string token)
    {
        var match = WidthToken().Match(token);
        if (!match.Success)
        {
            throw new JobSpecException("model", $"'{model}': '{token}' is not a layer width (e.g. 256 or 256x5)");
        }
        var width = long.Parse(match.Groups["w"].Value, CultureInfo.InvariantCulture);
        var repeat = match.Groups["r"].Success ? int.Parse(match.Groups["r"].Value, CultureInfo.InvariantCulture) : 1;
        if (width <= 0 || repeat <= 0)
        {
            throw new JobSpecException("model", $"'{model}': '{token}' must be positive");
        }
        return Enumerable.Repeat(width, repeat);
    }

    [GeneratedRegex(@"^(?<w>\d{1,9})(x(?<r>\d{1,4}))?$")]
    private static partial Regex WidthToken();

    [GeneratedRegex(@"^c(?<c>\d{1,6})(k(?<k>\d{1,3}))?(s(?<s>\d{1,3}))?(p(?<p>\d{1,3}))?(m(?<m>\d{1,3}))?$")]
    private static partial Regex ConvToken();
}
