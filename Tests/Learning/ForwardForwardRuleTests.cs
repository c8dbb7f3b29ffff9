using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>ff: goodness above a threshold for positive data, below for negative, no feedback; negatives never show the true label.</summary>
public sealed class ForwardForwardRuleTests
{
    private static readonly JobSpec Spec = FeedbackFreeTraining.Synthetic with { Model = "mlp:784-2-2-10", Rules = [ForwardForwardRule.RuleName] };

    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void GoodnessAndLossMatchAHandComputation()
    {
        using var scope = NewDisposeScope();
        var activities = tensor(new float[] { 1, 2, 3, 0 }, [2, 2]);

        var goodness = Goodness.Of(activities);
        var loss = Goodness.Loss(goodness.narrow(0, 0, 1), goodness.narrow(0, 1, 1), threshold: 2);

        Assert.Equal([5f, 9f], goodness.data<float>().ToArray());
        Assert.Equal((Softplus(2 - 5) + Softplus(9 - 2)) / 2, loss.item<float>(), 1e-5);
        var normalised = Goodness.LengthNormalised(tensor(new float[] { 3, 4 }, [1, 2]));
        Assert.Equal(new[] { 3 / Math.Sqrt(12.5), 4 / Math.Sqrt(12.5) }, normalised.data<float>().ToArray().Select(v => (double)v), new ToleranceComparer(1e-6));
    }

    [Fact]
    public void LayerScoresItsPositiveAndNegativeRowsAsComputedByHand()
    {
        var chain = JobSpecValidator.Validate(Spec);
        using var layer = new Layer(new LayerContext(Spec, chain, 1, CPU));
        using var scope = NewDisposeScope();
        SetWeights(layer, [2, 0, 0, 1], [0, 0]);
        // One sample: rows positive, negative, neutral.
        var rows = tensor(new float[] { 3, 4, 1, 0, 0, 2 }, [3, 2]);

        var output = layer.Forward(new ForwardBatch(0, Phase.Train, rows, tensor(new long[] { 7 })));

        // Each row is scaled to a root-mean-square of 1, then z = relu(W x), goodness = sum z^2, threshold = 2 outputs.
        double[] Z(double a, double b)
        {
            var rms = Math.Sqrt((a * a + b * b) / 2);
            return [Math.Max(0, 2 * a / rms), Math.Max(0, b / rms)];
        }
        var (positive, negative, neutral) = (Z(3, 4), Z(1, 0), Z(0, 2));
        double G(double[] z) => z.Sum(v => v * v);
        var expectedLoss = (Softplus(2 - G(positive)) + Softplus(G(negative) - 2)) / 2;
        Assert.Equal(2.0, ((ForwardForwardRule)layer.Rule).Threshold);
        Assert.Equal(expectedLoss, output.Loss!.Value, 1e-5);
        Assert.Equal(positive.Concat(negative).Concat(neutral), output.Up!.Activation.data<float>().ToArray().Select(v => (double)v), new ToleranceComparer(1e-5));
        Assert.Null(output.Down);
        Assert.Null(output.Broadcast);
    }

    [Fact]
    public void WrongLabelsAreNeverTheTrueOnesAndCoverTheOthers()
    {
        using var scope = NewDisposeScope();
        var labels = arange(10, dtype: ScalarType.Int64).repeat(50);
        var seen = new bool[10, 10];
        for (ulong seed = 0; seed < 200; seed++)
        {
            using var generator = new Generator(seed);
            var wrong = LabelEmbedding.WrongLabels(labels, 10, generator);

            Assert.False(wrong.eq(labels).any().item<bool>(), $"seed {seed} drew a true label as a negative");
            Assert.True(wrong.ge(0).all().item<bool>() && wrong.lt(10).all().item<bool>());
            foreach (var (y, w) in labels.data<long>().ToArray().Zip(wrong.data<long>().ToArray()))
            {
                seen[y, w] = true;
            }
        }
        for (var y = 0; y < 10; y++)
        {
            for (var w = 0; w < 10; w++)
            {
                Assert.Equal(y != w, seen[y, w]);
            }
        }
    }

    [Fact]
    public void NegativeRowsLayerZeroBuildsNeverCarryTheTrueLabel()
    {
        // Layer 0 with weights that copy the 10 label features: the strongest output of a row is the label embedded in it.
        for (var seed = 1; seed <= 40; seed++)
        {
            var spec = Spec with { Model = "mlp:784-10-10", Seed = seed };
            var chain = JobSpecValidator.Validate(spec);
            using var layer = new Layer(new LayerContext(spec, chain, 0, CPU));
            using var scope = NewDisposeScope();
            var copy = zeros(10, 784);
            copy.narrow(1, 0, 10).copy_(eye(10));
            var labels = arange(10, dtype: ScalarType.Int64).repeat(6);
            for (var step = 0; step < 3; step++)
            {
                SetWeights(layer, copy, zeros(10));

                var rows = layer.Forward(new ForwardBatch(step, Phase.Train, randn(60, 1, 28, 28), labels)).Up!.Activation;
                layer.ApplyPendingUpdate();

                var shown = rows.argmax(1);
                Assert.True(shown.narrow(0, 0, 60).eq(labels).all().item<bool>(), "positive rows show the true label");
                Assert.False(shown.narrow(0, 60, 60).eq(labels).any().item<bool>(), $"seed {seed}, step {step}: a negative row shows the true label");
                var neutral = rows.narrow(0, 120, 60);
                Assert.True((neutral.max(1).values - neutral.min(1).values).abs().max().item<float>() < 1e-5, "neutral rows show every label equally");
            }
        }
    }

    [Fact]
    public void EvaluationSendsOnlyNeutralRows()
    {
        var spec = Spec with { Model = "mlp:784-16-10" };
        var chain = JobSpecValidator.Validate(spec);
        using var layer = new Layer(new LayerContext(spec, chain, 0, CPU));
        using var scope = NewDisposeScope();

        var output = layer.Forward(new ForwardBatch(-1, Phase.Eval, randn(5, 1, 28, 28), randint(0, 10, [5], dtype: ScalarType.Int64)));

        Assert.Equal([5L, 16], output.Up!.Activation.shape);
        Assert.Null(output.Loss);
    }

    [Fact]
    public void LearnsSyntheticDataWithoutAnyFeedback()
    {
        var (result, forward, feedback) = FeedbackFreeTraining.Run(Spec with { Model = "mlp:784-128-128-10", LearningRate = 3e-3, Epochs = 5 });

        Assert.True(result.TestAccuracy > 0.5, $"test accuracy {result.TestAccuracy:P1}");
        Assert.True(forward > 0);
        Assert.Equal(0, feedback);
    }

    private static void SetWeights(Layer layer, float[] weight, float[] bias)
    {
        using var scope = NewDisposeScope();
        var parameters = layer.Rule.ForwardParameters;
        SetWeights(layer, tensor(weight, parameters[0].shape), tensor(bias, parameters[1].shape));
    }

    private static void SetWeights(Layer layer, Tensor weight, Tensor bias)
    {
        using var _ = no_grad();
        layer.Rule.ForwardParameters[0].copy_(weight);
        layer.Rule.ForwardParameters[1].copy_(bias);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
