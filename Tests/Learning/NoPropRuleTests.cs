using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>noprop (NoProp-DT): the schedule and block loss follow the paper; perfect blocks lead inference to the label.</summary>
public sealed class NoPropRuleTests
{
    private static readonly JobSpec Spec = FeedbackFreeTraining.Synthetic with { Model = "mlp:784-16x3-10", Rules = [NoPropRule.RuleName] };

    /// <summary>The paper's cosine schedule written out independently: abar_t = f(T + 1 - t) / f(0), t = 1..T, and abar_0 = 0.</summary>
    private static double AlphaBar(int t, int blocks)
    {
        double F(int k) => Math.Pow(Math.Cos((k / (blocks + 1.0) + 0.008) / 1.008 * Math.PI / 2), 2);
        return t == 0 ? 0 : F(blocks + 1 - t) / F(0);
    }

    [Fact]
    public void ScheduleIsTheCosineScheduleWithConsistentPosteriorSteps()
    {
        var schedule = new NoPropSchedule(10);

        // Values computed by hand (Python) for T = 10.
        Assert.Equal(0.0, schedule.AlphaBar(0));
        Assert.Equal(0.0199385484, schedule.AlphaBar(1), 1e-9);
        Assert.Equal(0.4233040810, schedule.AlphaBar(5), 1e-9);
        Assert.Equal(0.9765823327, schedule.AlphaBar(10), 1e-9);
        for (var t = 0; t <= 10; t++)
        {
            Assert.Equal(AlphaBar(t, 10), schedule.AlphaBar(t), 1e-12);
            Assert.Equal(AlphaBar(t, 10) / (1 - AlphaBar(t, 10)), schedule.Snr(t), 1e-9);
        }
        for (var t = 1; t <= 10; t++)
        {
            Assert.True(schedule.AlphaBar(t) > schedule.AlphaBar(t - 1), "noise falls as t grows");
            Assert.Equal(schedule.AlphaBar(t) * schedule.Alpha(t - 1), schedule.AlphaBar(t - 1), 1e-12);
            var (a, b, c) = schedule.Step(t);
            // The step is q(z_t | z_(t-1), y): if z_(t-1) ~ q(z_(t-1) | y) then z_t ~ q(z_t | y).
            Assert.Equal(Math.Sqrt(schedule.AlphaBar(t)), a + b * Math.Sqrt(schedule.AlphaBar(t - 1)), 1e-12);
            Assert.Equal(1 - schedule.AlphaBar(t), b * b * (1 - schedule.AlphaBar(t - 1)) + c, 1e-12);
            Assert.Equal(10 / 2.0 * 0.1 * (schedule.Snr(t) - schedule.Snr(t - 1)), schedule.LossWeight(t, 0.1), 1e-12);
        }
    }

    [Fact]
    public void BlockLossIsTheWeightedSquaredErrorOfThePaper()
    {
        var chain = JobSpecValidator.Validate(Spec);
        using var layer = new Layer(new LayerContext(Spec, chain, 1, CPU));
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var p in layer.Rule.ForwardParameters)
            {
                p.zero_();
            }
        }
        var labels = randint(0, 10, [32], dtype: ScalarType.Int64);
        var images = randn(32, 1, 28, 28);

        var output = layer.Forward(new ForwardBatch(0, Phase.Train, randn(32, 10), labels, images));

        // Zero weights: logits 0, so u_hat = softmax(0) W_Embed = 0.1 everywhere and ||u_hat - onehot||^2 = 0.9 for
        // every sample. Block t = 2 of T = 3: loss = (T / 2) eta (SNR(2) - SNR(1)) 0.9.
        double Snr(int t) => AlphaBar(t, 3) / (1 - AlphaBar(t, 3));
        Assert.Equal(3 / 2.0 * 0.1 * (Snr(2) - Snr(1)) * 0.9, output.Loss!.Value, 1e-6);
        Assert.Equal(3 / 2.0 * 0.1 * (0.9756738848 - 0.1685957683) * 0.9, output.Loss!.Value, 1e-6);
        Assert.Null(output.Down);
        Assert.Null(output.Broadcast);
        Assert.Equal([32L, 10], output.Up!.Activation.shape);
    }

    [Fact]
    public void PerfectPredictionsCarryNoiseToTheLabelEmbedding()
    {
        using var scope = NewDisposeScope();
        var schedule = new NoPropSchedule(10);
        var embedding = eye(10).narrow(0, 3, 1).expand(4000, 10);
        using var generator = new Generator(5);
        var sampled = randn([4000, 10], generator: generator);
        var mean = sampled.clone();
        for (var t = 1; t <= 10; t++)
        {
            // The paper's step, z_t = a_t u_hat + b_t z_(t-1) + sqrt(c_t) eps, and its mean, which inference uses.
            sampled = schedule.StepMean(t, embedding, sampled) + Math.Sqrt(schedule.Step(t).C) * randn([4000, 10], generator: generator);
            mean = schedule.StepMean(t, embedding, mean);
        }

        // Sampled: z_T ~ q(z_T | y) = N(sqrt(abar_T) u_y, (1 - abar_T) I). Mean path: exactly sqrt(abar_T) u_y, whatever z_0.
        var error = sampled - Math.Sqrt(schedule.AlphaBar(10)) * embedding;
        Assert.True(error.mean([0]).abs().max().item<float>() < 5 * Math.Sqrt((1 - schedule.AlphaBar(10)) / 4000));
        Assert.Equal(1 - schedule.AlphaBar(10), error.square().mean().item<float>(), 0.002);
        Assert.True(mean.allclose(Math.Sqrt(schedule.AlphaBar(10)) * embedding, atol: 1e-6), "the mean path ends at sqrt(abar_T) u_y");
    }

    [Fact]
    public void InferenceWithPerfectBlocksRecoversTheLabel()
    {
        var spec = Spec with { Model = "mlp:784-16x10-10" };
        var chain = JobSpecValidator.Validate(spec);
        var layers = chain.Select((_, i) => new Layer(new LayerContext(spec, chain, i, CPU))).ToList();
        try
        {
            using var scope = NewDisposeScope();
            foreach (var block in layers.SkipLast(1))
            {
                MakePerfect(block);
            }
            using (no_grad())
            {
                layers[^1].Rule.ForwardParameters[0].copy_(eye(10));
                layers[^1].Rule.ForwardParameters[1].zero_();
            }
            const int samples = 2000;
            var labels = arange(10, dtype: ScalarType.Int64).repeat(samples / 10);
            // The input shows the label in its first ten features: perfect blocks read it from there.
            var images = zeros(samples, 784);
            images.narrow(1, 0, 10).copy_(nn.functional.one_hot(labels, 10));
            images = images.reshape(samples, 1, 28, 28);

            var batch = new ForwardBatch(-1, Phase.Eval, images, labels, images);
            for (var i = 0; i < layers.Count - 1; i++)
            {
                batch = layers[i].Forward(batch).Up!;
            }
            var tally = layers[^1].Forward(batch).Eval!;

            // From z_0 ~ N(0, I), the mean steps with u_hat = u_y end at sqrt(abar_T) u_y: the scaled label embedding.
            var schedule = ((NoPropRule)layers[0].Rule).Schedule;
            var embeddings = nn.functional.one_hot(labels, 10).to_type(ScalarType.Float32);
            Assert.True(batch.Activation.allclose(Math.Sqrt(schedule.AlphaBar(10)) * embeddings, atol: 1e-4), "z_T is sqrt(abar_T) u_y");
            Assert.Equal(samples, tally.Correct);
        }
        finally
        {
            layers.ForEach(l => l.Dispose());
        }
    }

    [Fact]
    public void ModelStringBecomesDenoisingBlocksAndAClassifier()
    {
        var chain = JobSpecValidator.Validate(Spec);

        Assert.Equal(4, chain.Length);
        Assert.Equal([1L, 28, 28], chain[0].InputShape);
        Assert.All(chain[1..], l => Assert.Equal([10L], l.InputShape));
        Assert.All(chain, l => Assert.Equal([10L], l.OutputShape));
        Assert.Equal([16L, 16, 16, 0], chain.Select(l => l.Hidden));
        Assert.True(RuleCatalog.NeedsRawInput(chain));
        var error = Assert.Throws<JobSpecException>(() => JobSpecValidator.Validate(Spec with { Model = "cnn:c4k3-10" }));
        Assert.Equal("model", error.Field);
    }

    [Fact]
    public void LearnsSyntheticDataWithoutAnyFeedback()
    {
        var (result, forward, feedback) = FeedbackFreeTraining.Run(Spec with { Model = "mlp:784-64x4-10", Epochs = 5 });

        Assert.True(result.TestAccuracy > 0.5, $"test accuracy {result.TestAccuracy:P1}");
        Assert.True(forward > 0);
        Assert.Equal(0, feedback);
    }

    /// <summary>
    /// Weights for which the block's logits are 100 times the one-hot label read from the first ten input features,
    /// whatever z is: u_hat = softmax(logits) W_Embed is then the clean label embedding. Shapes name the parameters
    /// (hidden width 16): image 16x784, label 16x10, joined 16x32, logits 10x16.
    /// </summary>
    private static void MakePerfect(Layer block)
    {
        using var _ = no_grad();
        foreach (var p in block.Rule.ForwardParameters)
        {
            p.zero_();
            if (p.shape.SequenceEqual(new long[] { 16, 784 }) || p.shape.SequenceEqual(new long[] { 16, 32 }))
            {
                p.narrow(0, 0, 10).narrow(1, 0, 10).copy_(eye(10));
            }
            else if (p.shape.SequenceEqual(new long[] { 10, 16 }))
            {
                p.narrow(1, 0, 10).copy_(100 * eye(10));
            }
        }
    }
}
