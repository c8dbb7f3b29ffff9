namespace Countercurrent.Contracts.Jobs;

/// <summary>
/// One layer of the network, as parsed from the job's model string: its module, its activation and its rule.
/// Shapes are per sample: <see cref="InputShape"/> is [features] or [channels, height, width].
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.LayerSpec")]
public sealed record LayerSpec
{
    [Id(0)] public int Index { get; init; }
    [Id(1)] public LayerKind Kind { get; init; }
    [Id(2)] public long[] InputShape { get; init; } = [];
    [Id(3)] public long[] OutputShape { get; init; } = [];
    [Id(4)] public string Activation { get; init; } = "relu";
    [Id(5)] public bool Bias { get; init; } = true;
    [Id(6)] public string Rule { get; init; } = "backprop";

    /// <summary>Conv only: kernel size (square), stride, padding, max-pool size after the activation (1: none).</summary>
    [Id(7)] public int Kernel { get; init; }
    [Id(8)] public int Stride { get; init; } = 1;
    [Id(9)] public int Padding { get; init; }
    [Id(10)] public int Pool { get; init; } = 1;

    /// <summary>
    /// Width of the hidden layers of a layer that is a small network of its own (a NoProp denoising block); 0 for a
    /// plain linear or conv layer.
    /// </summary>
    [Id(11)] public long Hidden { get; init; }

    public long InputFeatures => InputShape.Aggregate(1L, (n, d) => n * d);
    public long OutputFeatures => OutputShape.Aggregate(1L, (n, d) => n * d);

    public override string ToString() => Hidden > 0
        ? $"layer {Index}: block of width {Hidden}, {InputFeatures}->{OutputFeatures} {Activation} ({Rule})"
        : Kind == LayerKind.Linear
        ? $"layer {Index}: linear {InputFeatures}->{OutputFeatures} {Activation} ({Rule})"
        : $"layer {Index}: conv [{string.Join("x", InputShape)}]->[{string.Join("x", OutputShape)}] k{Kernel} {Activation} pool{Pool} ({Rule})";
}
