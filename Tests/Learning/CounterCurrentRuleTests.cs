using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Rules;
using static Countercurrent.Tests.Learning.RuleTestChains;
using static TorchSharp.torch;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Counter-current learning on a 3-4-5-2 chain without biases: the pair loss against numbers worked out by hand, which
/// weights each loss term trains, that nothing crosses a layer, and that the order of arrival does not matter.
/// </summary>
public sealed class CounterCurrentRuleTests
{
    [Fact]
    public void Pair_loss_is_scaled_squared_error_between_similarities_and_one_hot_labels()
    {
        using var scope = NewDisposeScope();
        var activations = tensor(new float[] { 1, 2, 0, 1 }, [2, 2]);
        var classVectors = tensor(new float[] { 1, 1, 0, 2 }, [2, 2]);
        // Similarities [[3, 4], [1, 2]] against [[1, 0], [0, 1]]: squared errors 4 + 16 + 1 + 1 = 22, mean 5.5,
        // times 0.5 * 256 / 2 = 64: 352.
        var loss = CounterCurrentLoss.Pair(activations, classVectors, Labels(0, 1));
        Assert.Equal(352f, loss.item<float>(), 4);
    }

    [Fact]
    public void Normalised_pair_loss_adds_decorrelation_of_samples_and_of_class_vectors()
    {
        using var scope = NewDisposeScope();
        var activations = tensor(new float[] { 3, 4, 0, 2 }, [2, 2]);
        var classVectors = tensor(new float[] { 1, 0, 0, 5 }, [2, 2]);
        // Unit rows [[0.6, 0.8], [0, 1]] and [[1, 0], [0, 1]]. Cosines [[0.6, 0.8], [0, 1]] against [[0, 1], [0, 1]]:
        // (0.36 + 0.04) / 4 = 0.1. Samples [[1, 0.8], [0.8, 1]] against I: (0.64 + 0.64) / 4 = 0.32. Classes: I, 0.
        // (0.1 + 0.32 + 0) * 0.5 = 0.21.
        var loss = CounterCurrentLoss.NormalisedPair(activations, classVectors, Labels(1, 1));
        Assert.Equal(0.21f, loss.item<float>(), 5);
    }

    [Fact]
    public void Conv_layer_feedback_upsamples_and_convolves_back_to_the_input_shape()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(bias: false);
        LayerSpec[] chain =
        [
            new() { Index = 0, Kind = LayerKind.Conv, InputShape = [1, 7, 7], OutputShape = [3, 4, 4], Kernel = 3, Stride = 2, Padding = 1, Activation = "elu", Bias = false, Rule = CounterCurrentRule.RuleName },
            new() { Index = 1, Kind = LayerKind.Linear, InputShape = [3, 4, 4], OutputShape = [2], Activation = "none", Bias = false, Rule = CounterCurrentRule.RuleName },
        ];
        using var bottom = new CounterCurrentRule(Context(spec, chain, 0));
        using var top = new CounterCurrentRule(Context(spec, chain, 1));
        var labels = Labels(0, 1, 1);
        var x = Normal(28, 3, 1, 7, 7).requires_grad_();

        var up = bottom.Forward(Batch(0, x, labels));
        Assert.Equal([3L, 3, 4, 4], up.Up!.Activation.shape);
        top.Forward(up.Up);
        var fromTop = top.Feedback(new FeedbackBatch(0, FeedbackKind.Targets, labels, 2));
        fromTop.Update!();
        Assert.Equal([2L, 48], fromTop.Down!.Signal.shape);
        var atBottom = bottom.Feedback(fromTop.Down);
        atBottom.Update!();

        Assert.Null(atBottom.Down);
        Assert.True(float.IsFinite(atBottom.Loss!.Value));
        Assert.Null(x.grad);
        Assert.Equal(0, bottom.PendingSteps);
        Assert.Equal([1L, 3, 3, 3], bottom.FeedbackParameters[0].shape);
    }

    [Fact]
    public void Hidden_layer_trains_forward_weights_through_its_output_and_feedback_weights_through_the_signal_it_sends_down()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(bias: false);
        var chain = Chain(spec, CounterCurrentRule.RuleName, 3, 4, 5, 2);
        using var rule = new CounterCurrentRule(Context(spec, chain, 1));
        var w = Copy(rule.ForwardParameters[0]);
        var v = Copy(rule.FeedbackParameters[0]);
        Assert.Equal([5L, 4L], w.shape);
        Assert.Equal([4L, 5L], v.shape);
        var labels = Labels(1, 0, 1);
        var h = Normal(21, 3, 4).requires_grad_();
        var c = Normal(22, 2, 5).requires_grad_();

        var up = rule.Forward(Batch(0, h, labels));
        Assert.Null(up.Loss);
        var down = rule.Feedback(new FeedbackBatch(0, FeedbackKind.FeedbackActivation, c, 2));
        // The signals went out before the update: the weights change only when it runs.
        AssertClose(w, rule.ForwardParameters[0], 0, "forward weights before the update");
        AssertClose(v, rule.FeedbackParameters[0], 0, "feedback weights before the update");
        down.Update!();

        // By hand, with what crossed the boundary as constants.
        var wLeaf = Copy(w).requires_grad_();
        var a = nn.functional.elu(h.detach().matmul(wLeaf.t()), 1.0);
        var forwardTerm = ScaledSquaredError(a, c.detach(), labels);
        var vLeaf = Copy(v).requires_grad_();
        var cBelow = nn.functional.elu(c.detach().matmul(vLeaf.t()), 1.0);
        var feedbackTerm = ScaledSquaredError(h.detach(), cBelow, labels);
        forwardTerm.backward();
        feedbackTerm.backward();

        Assert.Equal((forwardTerm + feedbackTerm).item<float>(), down.Loss!.Value, 4);
        AssertClose(a.detach(), up.Up!.Activation, 1e-6, "a_i sent up");
        AssertClose(cBelow.detach(), down.Down!.Signal, 1e-6, "c_(i-1) sent down");
        Assert.Equal(FeedbackKind.FeedbackActivation, down.Down.Kind);
        AssertClose(w - LearningRate * wLeaf.grad!, rule.ForwardParameters[0], 1e-5, "forward weights");
        AssertClose(v - LearningRate * vLeaf.grad!, rule.FeedbackParameters[0], 1e-5, "feedback weights");

        // Nothing crossed a layer: no gradient reached what was received, and what was sent carries no graph.
        Assert.Null(h.grad);
        Assert.Null(c.grad);
        Assert.False(up.Up.Activation.requires_grad);
        Assert.False(down.Down.Signal.requires_grad);
        Assert.Equal(0, rule.PendingSteps);
    }

    [Fact]
    public void Top_layer_feeds_class_one_hots_to_its_feedback_weights_and_adds_cross_entropy()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(bias: false);
        var chain = Chain(spec, CounterCurrentRule.RuleName, 3, 4, 5, 2);
        using var rule = new CounterCurrentRule(Context(spec, chain, 2));
        var w = Copy(rule.ForwardParameters[0]);
        var v = Copy(rule.FeedbackParameters[0]);
        var labels = Labels(1, 1, 0);
        var h = Normal(23, 3, 5);

        var up = rule.Forward(Batch(0, h, labels));
        Assert.Null(up.Up);
        var down = rule.Feedback(new FeedbackBatch(0, FeedbackKind.Targets, labels, 3));
        down.Update!();

        // The C x C identity through V (5 <- 2): the class vectors are elu of V's columns.
        var classVectors = nn.functional.elu(v.t(), 1.0);
        AssertClose(classVectors, down.Down!.Signal, 1e-6, "class vectors sent down");
        var logits = h.matmul(w.t());
        var expected = nn.functional.cross_entropy(logits, labels) + ScaledSquaredError(h, classVectors, labels);
        Assert.Equal(expected.item<float>(), down.Loss!.Value, 4);
    }

    [Fact]
    public void Bottom_layer_compares_the_input_with_a_linear_feedback_output_and_sends_nothing_down()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(bias: false);
        var chain = Chain(spec, CounterCurrentRule.RuleName, 3, 4, 5, 2);
        using var rule = new CounterCurrentRule(Context(spec, chain, 0));
        var w = Copy(rule.ForwardParameters[0]);
        var v = Copy(rule.FeedbackParameters[0]);
        var labels = Labels(0, 1);
        var x = Normal(24, 2, 3);
        var c = Normal(25, 2, 4);

        var first = rule.Feedback(new FeedbackBatch(0, FeedbackKind.FeedbackActivation, c, 1));
        Assert.Null(first.Down);
        Assert.Null(first.Loss);
        var second = rule.Forward(Batch(0, x, labels));
        second.Update!();

        var a = nn.functional.elu(x.matmul(w.t()), 1.0);
        var expected = ScaledSquaredError(a, c, labels) + ScaledSquaredError(x, c.matmul(v.t()), labels);
        Assert.Equal(expected.item<float>(), second.Loss!.Value, 4);
    }

    [Fact]
    public void Order_of_arrival_does_not_change_signals_or_updates()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(bias: false);
        var chain = Chain(spec, CounterCurrentRule.RuleName, 3, 4, 5, 2);
        using var forwardFirst = new CounterCurrentRule(Context(spec, chain, 1));
        using var feedbackFirst = new CounterCurrentRule(Context(spec, chain, 1));
        var labels = Labels(0, 1, 1);
        var h = Normal(26, 3, 4);
        var c = Normal(27, 2, 5);
        var feedback = new FeedbackBatch(5, FeedbackKind.FeedbackActivation, c, 2);

        var up1 = forwardFirst.Forward(Batch(5, h, labels));
        var down1 = forwardFirst.Feedback(feedback);
        var down2 = feedbackFirst.Feedback(feedback);
        var up2 = feedbackFirst.Forward(Batch(5, h, labels));
        Assert.Null(up1.Update);
        Assert.Null(down2.Update);
        down1.Update!();
        up2.Update!();

        AssertClose(up1.Up!.Activation, up2.Up!.Activation, 0, "a_i sent up");
        AssertClose(down1.Down!.Signal, down2.Down!.Signal, 0, "c_(i-1) sent down");
        Assert.Equal(down1.Loss!.Value, up2.Loss!.Value);
        AssertClose(forwardFirst.ForwardParameters[0], feedbackFirst.ForwardParameters[0], 0, "forward weights");
        AssertClose(forwardFirst.FeedbackParameters[0], feedbackFirst.FeedbackParameters[0], 0, "feedback weights");
    }

    [Fact]
    public void Several_steps_can_wait_for_their_other_stream()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(bias: false, stepsInFlight: 3);
        var chain = Chain(spec, CounterCurrentRule.RuleName, 3, 4, 5, 2);
        using var rule = new CounterCurrentRule(Context(spec, chain, 1));
        var labels = Labels(0, 1);
        for (var step = 0; step < 3; step++)
        {
            rule.Forward(Batch(step, Normal((ulong)(30 + step), 2, 4), labels));
        }
        Assert.Equal(3, rule.PendingSteps);
        for (var step = 2; step >= 0; step--)
        {
            var output = rule.Feedback(new FeedbackBatch(step, FeedbackKind.FeedbackActivation, Normal((ulong)(40 + step), 2, 5), 2));
            Assert.True(float.IsFinite(output.Loss!.Value));
            output.Update!();
        }
        Assert.Equal(0, rule.PendingSteps);
    }

    /// <summary>The reference's pair loss written out: mean of (A C^T - onehot)^2 times 0.5 * 256 / d.</summary>
    private static Tensor ScaledSquaredError(Tensor activations, Tensor classVectors, Tensor labels)
    {
        var similarity = activations.matmul(classVectors.t());
        var onehot = nn.functional.one_hot(labels, classVectors.shape[0]).to_type(ScalarType.Float32);
        return (similarity - onehot).square().mean() * (128.0 / activations.shape[1]);
    }
}
