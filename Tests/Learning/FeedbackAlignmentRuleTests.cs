using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Rules;
using static Countercurrent.Tests.Learning.RuleTestChains;
using static TorchSharp.torch;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>Feedback alignment with B set to W must be backprop: same weight updates and the same signal down.</summary>
public sealed class FeedbackAlignmentRuleTests
{
    [Fact]
    public void Top_layer_with_feedback_matrix_equal_to_weights_updates_and_sends_down_exactly_as_backprop()
    {
        using var scope = NewDisposeScope();
        var spec = Spec();
        var (fa, backprop) = Pair(spec, layer: 2);
        using (fa)
        using (backprop)
        {
            var input = Normal(1, 4, 4);
            var labels = Labels(0, 2, 1, 2);

            var faOut = fa.Forward(Batch(0, input, labels));
            var bpOut = backprop.Forward(Batch(0, input, labels));
            faOut.Update!();
            bpOut.Update!();

            Assert.Equal(FeedbackKind.ProjectedError, faOut.Down!.Kind);
            Assert.Equal(bpOut.Loss!.Value, faOut.Loss!.Value, 6);
            AssertClose(bpOut.Down!.Signal, faOut.Down.Signal, 1e-6, "signal down");
            AssertSameParameters(backprop, fa);
        }
    }

    [Fact]
    public void Hidden_layer_with_feedback_matrix_equal_to_weights_updates_and_sends_down_exactly_as_backprop()
    {
        using var scope = NewDisposeScope();
        var spec = Spec();
        var (fa, backprop) = Pair(spec, layer: 1);
        using (fa)
        using (backprop)
        {
            var input = Normal(2, 4, 5);
            var labels = Labels(0, 1, 2, 0);
            var faUp = fa.Forward(Batch(3, input, labels));
            var bpUp = backprop.Forward(Batch(3, input, labels));
            AssertClose(bpUp.Up!.Activation, faUp.Up!.Activation, 0, "activation up");

            var error = Normal(3, 4, 4);
            var faDown = fa.Feedback(new FeedbackBatch(3, FeedbackKind.ProjectedError, error, 2));
            var bpDown = backprop.Feedback(new FeedbackBatch(3, FeedbackKind.Gradient, error, 2));
            faDown.Update!();
            bpDown.Update!();

            AssertClose(bpDown.Down!.Signal, faDown.Down!.Signal, 1e-6, "signal down");
            AssertSameParameters(backprop, fa);
            Assert.Equal(0, fa.PendingSteps);
        }
    }

    [Fact]
    public void Two_steps_in_flight_match_backprop_with_weight_stashing()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(stepsInFlight: 2);
        var (fa, backprop) = Pair(spec, layer: 1);
        using (fa)
        using (backprop)
        {
            var labels = Labels(0, 1, 2);
            var inputs = new[] { Normal(4, 3, 5), Normal(5, 3, 5) };
            var errors = new[] { Normal(6, 3, 4), Normal(7, 3, 4) };
            foreach (var step in new[] { 0, 1 })
            {
                fa.Forward(Batch(step, inputs[step], labels));
                backprop.Forward(Batch(step, inputs[step], labels));
            }
            Assert.Equal(2, fa.PendingSteps);
            foreach (var step in new[] { 0, 1 })
            {
                var faDown = fa.Feedback(new FeedbackBatch(step, FeedbackKind.ProjectedError, errors[step], 2));
                var bpDown = backprop.Feedback(new FeedbackBatch(step, FeedbackKind.Gradient, errors[step], 2));
                faDown.Update!();
                bpDown.Update!();
                AssertClose(bpDown.Down!.Signal, faDown.Down!.Signal, 1e-6, $"signal down of step {step}");
                AssertSameParameters(backprop, fa);
            }
        }
    }

    [Fact]
    public void Feedback_matrix_is_fixed_random_and_independent_of_the_weights()
    {
        using var scope = NewDisposeScope();
        var spec = Spec();
        var chain = Chain(spec, FeedbackAlignmentRule.RuleName, 6, 5, 3);
        using var rule = new FeedbackAlignmentRule(Context(spec, chain, 0));
        var matrix = rule.FeedbackMatrix;
        Assert.Equal([5L, 6L], matrix.shape);
        var bound = 1 / Math.Sqrt(6);
        Assert.True(matrix.abs().max().item<float>() <= bound);
        Assert.False(matrix.allclose(rule.ForwardParameters[0]));
        using var again = new FeedbackAlignmentRule(Context(spec, chain, 0));
        AssertClose(matrix, again.FeedbackMatrix, 0, "feedback matrix drawn twice from the same seed");
    }

    /// <summary>Layer <paramref name="layer"/> of a 6-5-4-3 chain twice: fa with B a copy of its W, and backprop with the same weights.</summary>
    private static (ILearningRule Fa, ILearningRule Backprop) Pair(Countercurrent.Contracts.Jobs.JobSpec spec, int layer)
    {
        var faChain = Chain(spec, FeedbackAlignmentRule.RuleName, 6, 5, 4, 3);
        var bpChain = Chain(spec, BackpropRule.RuleName, 6, 5, 4, 3);
        var fa = new FeedbackAlignmentRule(Context(spec, faChain, layer));
        var backprop = new BackpropRule(Context(spec, bpChain, layer));
        AssertSameParameters(backprop, fa);
        fa.UseFeedbackMatrix(fa.ForwardParameters[0]);
        return (fa, backprop);
    }

    private static void AssertSameParameters(ILearningRule expected, ILearningRule actual)
    {
        foreach (var (e, a) in expected.ForwardParameters.Zip(actual.ForwardParameters, (e, a) => (e, a)))
        {
            AssertClose(e, a, 1e-6, "parameters");
        }
    }
}
