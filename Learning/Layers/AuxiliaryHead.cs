using Countercurrent.Contracts.Jobs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Layers;

/// <summary>
/// The small classifier a local-aux layer trains its block with; it is not used at inference.
/// <list type="bullet">
/// <item><c>linear</c> (DGL): one linear map to the classes; a conv layer's output is first average-pooled to 2x2, as in
/// DGL's auxiliary classifiers.</item>
/// <item><c>augmented</c> (AugLocal): first a copy of each layer <see cref="AugmentedHeadLayout"/> samples from above, built
/// from that layer's spec (width, or channels, kernel, stride, padding and pooling, with the input average-pooled to the
/// size that layer expects), then the linear map. The head thus imitates the part of the network above it.</item>
/// </list>
/// </summary>
public sealed class AuxiliaryHead : nn.Module<Tensor, Tensor>
{
    public static readonly string[] Kinds = ["linear", "augmented"];

    private const int PooledSize = 2;

    private readonly ModuleList<nn.Module<Tensor, Tensor>> _maps = new();
    private readonly Stage[] _stages;
    private readonly Activation _activation;

    public AuxiliaryHead(LayerSpec[] chain, int layer, string kind, int depth, Device device, ulong seed) : base($"aux{layer}")
    {
        _activation = Activation.Parse(chain[layer].Activation);
        var copied = kind == "augmented" ? AugmentedHeadLayout.SampledLayers(layer, chain.Length, depth) : [];
        var stages = new List<Stage>();
        var shape = chain[layer].OutputShape;
        foreach (var spec in copied.Select(i => chain[i]))
        {
            if (spec.Kind == LayerKind.Conv && shape.Length == 3)
            {
                _maps.Add(nn.Conv2d(shape[0], spec.OutputShape[0], spec.Kernel, stride: spec.Stride, padding: spec.Padding, bias: spec.Bias));
                stages.Add(new Stage(PoolTo: [spec.InputShape[1], spec.InputShape[2]], Flatten: false, Activate: true, MaxPool: spec.Pool));
            }
            else
            {
                _maps.Add(nn.Linear(Features(shape), spec.OutputFeatures, hasBias: spec.Bias));
                stages.Add(new Stage(PoolTo: null, Flatten: shape.Length > 1, Activate: true, MaxPool: 1));
            }
            shape = spec.OutputShape;
        }
        long[]? pooled = shape.Length == 3 ? [Math.Min(PooledSize, shape[1]), Math.Min(PooledSize, shape[2])] : null;
        var features = pooled is null ? Features(shape) : shape[0] * pooled[0] * pooled[1];
        _maps.Add(nn.Linear(features, chain[^1].OutputFeatures));
        stages.Add(new Stage(PoolTo: pooled, Flatten: shape.Length > 1, Activate: false, MaxPool: 1));
        _stages = [.. stages];
        RegisterComponents();
        ParameterInit.Reset(this, seed);
        this.to(device);
    }

    /// <summary>How many layers above this head copies (0 for a linear head).</summary>
    public int CopiedLayers => _stages.Length - 1;

    /// <summary>Class logits from the layer's output.</summary>
    public override Tensor forward(Tensor output)
    {
        var h = output;
        for (var i = 0; i < _stages.Length; i++)
        {
            var stage = _stages[i];
            if (stage.PoolTo is { } size && (h.shape[2] != size[0] || h.shape[3] != size[1]))
            {
                h = nn.functional.adaptive_avg_pool2d(h, size);
            }
            if (stage.Flatten && h.dim() > 2)
            {
                h = h.flatten(1);
            }
            h = _maps[i].forward(h);
            if (stage.Activate)
            {
                h = _activation.Apply(h);
            }
            if (stage.MaxPool > 1)
            {
                h = nn.functional.max_pool2d(h, stage.MaxPool);
            }
        }
        return h;
    }

    private static long Features(long[] shape) => shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>What happens around one map: average pooling to a size before it, flattening, the activation and max pooling after it.</summary>
    private sealed record Stage(long[]? PoolTo, bool Flatten, bool Activate, int MaxPool);
}
