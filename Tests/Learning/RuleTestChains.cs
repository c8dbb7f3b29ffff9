using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Rules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Tiny chains of linear layers built by hand (no dataset needed), so that a rule's arithmetic can be checked against
/// a few lines of tensor code; plain SGD without clipping, so an update is exactly learning rate times gradient.
/// </summary>
internal static class RuleTestChains
{
    public const double LearningRate = 0.5;

    public static JobSpec Spec(string activation = "elu", bool bias = true, int stepsInFlight = 1) => new()
    {
        Dataset = "synthetic",
        Activation = activation,
        Bias = bias,
        Optimizer = "sgd",
        LearningRate = LearningRate,
        GradClip = 0,
        StepsInFlight = stepsInFlight,
        Seed = 7,
    };

    /// <summary>A chain of linear layers of the given widths (input first), hidden layers with the job's activation, the same rule everywhere.</summary>
    public static LayerSpec[] Chain(JobSpec spec, string rule, params long[] widths) =>
        widths.Skip(1).Select((width, i) => new LayerSpec
        {
            Index = i,
            Kind = LayerKind.Linear,
            InputShape = [widths[i]],
            OutputShape = [width],
            Activation = i == widths.Length - 2 ? "none" : spec.Activation,
            Bias = spec.Bias,
            Rule = rule,
        }).ToArray();

    public static LayerContext Context(JobSpec spec, LayerSpec[] chain, int index) => new(spec, chain, index, CPU);

    public static ForwardBatch Batch(long step, Tensor activation, Tensor labels) => new(step, Phase.Train, activation, labels);

    /// <summary>Seeded normal values, so every test sees the same numbers.</summary>
    public static Tensor Normal(ulong seed, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, generator: generator);
    }

    public static Tensor Labels(params long[] labels) => tensor(labels);

    public static Tensor Copy(Tensor t) => t.detach().clone();

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-5, string what = "tensor")
    {
        Assert.Equal(expected.shape, actual.shape);
        using var difference = (expected - actual).abs().max();
        var worst = difference.item<float>();
        Assert.True(worst <= tolerance, $"{what}: largest difference {worst} is over {tolerance}");
    }
}
