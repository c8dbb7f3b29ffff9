using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>local-aux: each layer learns from its own auxiliary classifier; nothing goes down the chain.</summary>
public sealed class LocalAuxiliaryRuleTests
{
    private static readonly JobSpec Spec = FeedbackFreeTraining.Synthetic with { Model = "mlp:784-32-16-10", Rules = [LocalAuxiliaryRule.RuleName] };

    [Fact]
    public void SendsNothingDownAndItsInputGetsNoGradient()
    {
        var chain = JobSpecValidator.Validate(Spec);
        using var layer = new Layer(new LayerContext(Spec, chain, 1, CPU));
        using var scope = NewDisposeScope();
        var input = randn(8, 32).requires_grad_();
        var labels = randint(0, 10, [8], dtype: ScalarType.Int64);
        var before = layer.Rule.ForwardParameters.Select(p => p.detach().clone()).ToList();

        var output = layer.Forward(new ForwardBatch(0, Phase.Train, input, labels));
        Assert.True(layer.HasPendingUpdate);
        layer.ApplyPendingUpdate();

        Assert.Null(output.Down);
        Assert.Null(output.Broadcast);
        Assert.Null(input.grad);
        Assert.NotNull(output.Loss);
        Assert.Equal([8L, 16], output.Up!.Activation.shape);
        Assert.False(output.Up.Activation.requires_grad);
        Assert.Contains(before.Zip(layer.Rule.ForwardParameters), pair => !pair.First.allclose(pair.Second));
        Assert.Throws<LayerStepException>(() => layer.Feedback(new FeedbackBatch(0, FeedbackKind.Gradient, randn(8, 16), 2)));
    }

    [Fact]
    public void TopLayerIsAPlainClassifierWithoutHead()
    {
        var chain = JobSpecValidator.Validate(Spec);
        using var layer = new Layer(new LayerContext(Spec, chain, 2, CPU));
        using var scope = NewDisposeScope();

        var output = layer.Forward(new ForwardBatch(0, Phase.Train, randn(8, 16), randint(0, 10, [8], dtype: ScalarType.Int64)));

        Assert.Null(((LocalAuxiliaryRule)layer.Rule).Head);
        Assert.Null(output.Up);
        Assert.Null(output.Down);
        Assert.NotNull(output.Loss);
    }

    [Fact]
    public void AugmentedHeadsSampleLayersAboveUniformlyAndGetShallowerTowardsTheTop()
    {
        // Eight layers: seven hidden (0..6) and the classifier; bottom depth 3, AugLocal's pyramid coefficient 0.5.
        Assert.Equal([3, 3, 3, 2, 2, 2, 2], Enumerable.Range(0, 7).Select(i => AugmentedHeadLayout.Depth(i, 8, 3)));
        Assert.Equal([2, 4, 6], AugmentedHeadLayout.SampledLayers(0, 8, 3));
        Assert.Equal([4, 6], AugmentedHeadLayout.SampledLayers(3, 8, 3));
        Assert.Equal([5, 6], AugmentedHeadLayout.SampledLayers(4, 8, 3));
        Assert.Empty(AugmentedHeadLayout.SampledLayers(6, 8, 3));
    }

    [Fact]
    public void AugmentedHeadOfAConvLayerCopiesTheLayersAboveIt()
    {
        var spec = Spec with { Model = "cnn:c4k3m2-c8k3m2-24-10", AuxHead = "augmented", AuxDepth = 2 };
        var chain = JobSpecValidator.Validate(spec);
        using var scope = NewDisposeScope();
        using var augmented = new AuxiliaryHead(chain, 0, "augmented", 2, CPU, 1);
        using var linear = new AuxiliaryHead(chain, 0, "linear", 2, CPU, 1);

        Assert.Equal(2, augmented.CopiedLayers);
        Assert.Equal(0, linear.CopiedLayers);
        Assert.Equal([5L, 10], augmented.forward(randn(5, 4, 14, 14)).shape);
        Assert.Equal([5L, 10], linear.forward(randn(5, 4, 14, 14)).shape);
        // conv 4->8 k3, then linear 392->24 (8x7x7 after pooling), then 24->10; the linear head pools to 2x2: 16->10.
        Assert.Equal((4 * 8 * 9 + 8) + (8 * 7 * 7 * 24 + 24) + (24 * 10 + 10), augmented.parameters().Sum(p => p.numel()));
        Assert.Equal(4 * 2 * 2 * 10 + 10, linear.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData("sideways", 2, "auxHead")]
    [InlineData("augmented", 0, "auxDepth")]
    public void BadAuxiliaryHeadOptionsAreRefused(string head, int depth, string field)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecValidator.Validate(Spec with { AuxHead = head, AuxDepth = depth }));

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("augmented")]
    public void LearnsSyntheticDataWithoutAnyFeedback(string head)
    {
        var (result, forward, feedback) = FeedbackFreeTraining.Run(Spec with { Model = "mlp:784-64-64-10", AuxHead = head });

        Assert.True(result.TestAccuracy > 0.5, $"test accuracy {result.TestAccuracy:P1}");
        Assert.True(forward > 0);
        Assert.Equal(0, feedback);
        Assert.All(result.History[^1].LayerLosses, loss => Assert.False(float.IsNaN(loss), "every local-aux layer reports its loss"));
    }
}
