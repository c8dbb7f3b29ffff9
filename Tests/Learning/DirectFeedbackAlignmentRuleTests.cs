using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Rules;
using static Countercurrent.Tests.Learning.RuleTestChains;
using static TorchSharp.torch;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>Direct feedback alignment: hidden updates from the broadcast output error through B, the top's broadcast.</summary>
public sealed class DirectFeedbackAlignmentRuleTests
{
    [Fact]
    public void Hidden_layer_update_is_projected_error_times_activation_slope_times_input()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(activation: "elu");
        var chain = Chain(spec, DirectFeedbackAlignmentRule.RuleName, 6, 5, 4, 3);
        using var rule = new DirectFeedbackAlignmentRule(Context(spec, chain, 1));
        var weight = Copy(rule.ForwardParameters[0]);
        var bias = Copy(rule.ForwardParameters[1]);
        var b = rule.FeedbackMatrix!;
        Assert.Equal([4L, 3L], b.shape);

        var h = Normal(11, 4, 5);
        var up = rule.Forward(Batch(0, h, Labels(0, 1, 2, 0)));
        Assert.Null(up.Down);
        var e = Normal(12, 4, 3);
        var after = rule.Feedback(new FeedbackBatch(0, FeedbackKind.OutputError, e, 2));
        after.Update!();

        // By hand: z = h W^T + b, delta = (e B^T) * f'(z), W -= lr delta^T h, b -= lr sum(delta).
        var z = h.matmul(weight.t()) + bias;
        var slope = Activation.Parse("elu").Derivative(z);
        var delta = e.matmul(b.t()) * slope;
        AssertClose(weight - LearningRate * delta.t().matmul(h), rule.ForwardParameters[0], 1e-6, "weight");
        AssertClose(bias - LearningRate * delta.sum(dim: 0), rule.ForwardParameters[1], 1e-6, "bias");
        AssertClose(nn.functional.elu(z, 1.0), up.Up!.Activation, 1e-6, "activation up");
        Assert.Null(after.Down);
        Assert.Null(after.Broadcast);
        Assert.Equal(0, rule.PendingSteps);
    }

    [Fact]
    public void Top_layer_updates_by_its_true_gradient_and_broadcasts_the_mean_cross_entropy_error()
    {
        using var scope = NewDisposeScope();
        var spec = Spec();
        var chain = Chain(spec, DirectFeedbackAlignmentRule.RuleName, 6, 5, 3);
        using var rule = new DirectFeedbackAlignmentRule(Context(spec, chain, 1));
        var weight = Copy(rule.ForwardParameters[0]);
        var bias = Copy(rule.ForwardParameters[1]);
        var h = Normal(13, 4, 5);
        var labels = Labels(2, 0, 1, 1);

        var output = rule.Forward(Batch(0, h, labels));
        output.Update!();

        var logits = h.matmul(weight.t()) + bias;
        var e = (nn.functional.softmax(logits, 1) - nn.functional.one_hot(labels, 3).to_type(ScalarType.Float32)) / 4;
        Assert.Equal(FeedbackKind.OutputError, output.Broadcast!.Kind);
        Assert.Null(output.Down);
        AssertClose(e, output.Broadcast.Signal, 1e-6, "broadcast error");
        Assert.Equal(nn.functional.cross_entropy(logits, labels).item<float>(), output.Loss!.Value, 5);
        AssertClose(weight - LearningRate * e.t().matmul(h), rule.ForwardParameters[0], 1e-6, "weight");
        AssertClose(bias - LearningRate * e.sum(dim: 0), rule.ForwardParameters[1], 1e-6, "bias");
    }

    [Fact]
    public void Backprop_top_over_dfa_layers_broadcasts_the_same_error_as_a_dfa_top()
    {
        using var scope = NewDisposeScope();
        var spec = Spec();
        var dfaChain = Chain(spec, DirectFeedbackAlignmentRule.RuleName, 6, 5, 3);
        var mixedChain = dfaChain.Select(l => l.Index == 1 ? l with { Rule = BackpropRule.RuleName } : l).ToArray();
        using var dfaTop = new DirectFeedbackAlignmentRule(Context(spec, dfaChain, 1));
        using var backpropTop = new BackpropRule(Context(spec, mixedChain, 1));
        var h = Normal(14, 3, 5);
        var labels = Labels(0, 2, 1);

        var fromDfa = dfaTop.Forward(Batch(0, h, labels));
        var fromBackprop = backpropTop.Forward(Batch(0, h, labels));
        fromDfa.Update!();
        fromBackprop.Update!();

        Assert.Null(fromBackprop.Down);
        Assert.Equal(FeedbackKind.OutputError, fromBackprop.Broadcast!.Kind);
        AssertClose(fromDfa.Broadcast!.Signal, fromBackprop.Broadcast.Signal, 0, "broadcast error");
        AssertClose(dfaTop.ForwardParameters[0], backpropTop.ForwardParameters[0], 0, "top weight");
    }

    [Fact]
    public void Hidden_layers_accept_steps_in_any_order()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(stepsInFlight: 2);
        var chain = Chain(spec, DirectFeedbackAlignmentRule.RuleName, 6, 5, 3);
        using var rule = new DirectFeedbackAlignmentRule(Context(spec, chain, 0));
        var weight = Copy(rule.ForwardParameters[0]);
        var bias = Copy(rule.ForwardParameters[1]);
        var inputs = new[] { Normal(15, 2, 6), Normal(16, 2, 6) };
        var errors = new[] { Normal(17, 2, 3), Normal(18, 2, 3) };
        rule.Forward(Batch(0, inputs[0], Labels(0, 1)));
        rule.Forward(Batch(1, inputs[1], Labels(1, 2)));
        rule.Feedback(new FeedbackBatch(1, FeedbackKind.OutputError, errors[1], 1)).Update!();
        rule.Feedback(new FeedbackBatch(0, FeedbackKind.OutputError, errors[0], 1)).Update!();

        // Both deltas come from the weights each step's forward pass used (the initial ones); the updates add up.
        var expectedWeight = weight;
        var expectedBias = bias;
        foreach (var step in new[] { 0, 1 })
        {
            var z = inputs[step].matmul(weight.t()) + bias;
            var delta = errors[step].matmul(rule.FeedbackMatrix!.t()) * Activation.Parse("elu").Derivative(z);
            expectedWeight = expectedWeight - LearningRate * delta.t().matmul(inputs[step]);
            expectedBias = expectedBias - LearningRate * delta.sum(dim: 0);
        }
        AssertClose(expectedWeight, rule.ForwardParameters[0], 1e-5, "weight");
        AssertClose(expectedBias, rule.ForwardParameters[1], 1e-5, "bias");
    }
}
