using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// A layer's clipped update (the clip factor applied by the optimizer as it updates) against TorchSharp's
/// <c>clip_grad_norm_</c> followed by TorchSharp's optimizer: the same parameters, whether the gradients are clipped or
/// not. SGD agrees to the bit; Adam on float32 to the fused kernel's 4 ulps (see ParameterOptimizerTests).
/// </summary>
public sealed class GradientClippingTests
{
    [Theory]
    [InlineData("sgd", 0.01)]
    [InlineData("sgd", 100.0)]
    [InlineData("adam", 0.01)]
    [InlineData("adam", 100.0)]
    public void A_clipped_update_equals_clipping_then_updating(string optimizer, double clip)
    {
        var spec = new JobSpec { Optimizer = optimizer, LearningRate = 0.05, Momentum = optimizer == "sgd" ? 0.9 : 0, GradClip = clip };
        var ours = Parameters(seed: 1);
        var theirs = Parameters(seed: 1);
        using var project = new LayerOptimizer(ours, spec);
        using var reference = optimizer == "sgd"
            ? (OptimizerHelper)optim.SGD(theirs, spec.LearningRate, momentum: spec.Momentum)
            : optim.Adam(theirs, spec.LearningRate);
        var clipped = false;

        for (var seed = 10; seed < 16; seed++)
        {
            ParameterOptimizerTests.SetGradients(ours, theirs, seed);
            clipped |= nn.utils.clip_grad_norm_(theirs, clip) > clip;
            project.Step();
            reference.step();
        }

        Assert.Equal(clip < 1, clipped);
        ParameterOptimizerTests.AssertAgree(ours, theirs, ulps: optimizer == "adam" ? 4 : 0);
    }

    [Fact]
    public void Parameters_without_gradients_are_left_out_of_the_norm()
    {
        var parameters = Parameters(seed: 2);
        using var before = parameters[1].detach().clone();
        using var project = new LayerOptimizer(parameters, new JobSpec { Optimizer = "sgd", LearningRate = 1, GradClip = 1 });
        using (var gradient = full(parameters[0].shape, 10f))
        {
            parameters[0].grad = gradient.clone();
        }
        using var start = parameters[0].detach().clone();

        project.Step();

        // One gradient of norm 10 * sqrt(20), clipped to norm 1: the parameter moves by exactly that much in norm.
        using var moved = (parameters[0].detach() - start).norm();
        Assert.Equal(1.0, moved.item<float>(), 4);
        using var unchanged = (parameters[1].detach() - before).abs().max();
        Assert.Equal(0f, unchanged.item<float>());
    }

    private static Parameter[] Parameters(int seed) => ParameterOptimizerTests.Parameters(seed);
}
