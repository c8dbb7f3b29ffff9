using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// The issue's requirement: backprop run layer by layer, each layer with its own optimizer and only the signals that
/// reach it, trains exactly like one ordinary autograd model with a single loss.backward() per step.
/// </summary>
public sealed class LayerwiseBackpropEquivalenceTests
{
    private const int Steps = 5;
    private const double Tolerance = 1e-5;

    /// <summary>Optimizer settings by name, so that test cases read as what they check.</summary>
    private static readonly Dictionary<string, Func<JobSpec, JobSpec>> Optimizers = new()
    {
        ["sgd"] = s => s with { Optimizer = "sgd", LearningRate = 0.1 },
        ["sgd with momentum 0.9 and weight decay"] = s => s with { Optimizer = "sgd", LearningRate = 0.05, Momentum = 0.9, WeightDecay = 1e-3 },
        ["adam"] = s => s with { Optimizer = "adam", LearningRate = 1e-3 },
        ["adam with weight decay"] = s => s with { Optimizer = "adam", LearningRate = 2e-3, WeightDecay = 1e-2 },
    };

    public static TheoryData<string> OptimizerNames => [.. Optimizers.Keys];

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void LayerwiseBackpropMatchesOneAutogradModel(string optimizer)
    {
        var spec = Spec(optimizer);
        var data = SyntheticDataset.Create(spec.SyntheticSamples, spec.Seed);
        using var trainer = new InProcessTrainer(spec, data);
        using var reference = new ReferenceModel(spec, trainer);
        var initial = LayerWeights(trainer).Select(p => p.detach().clone()).ToList();

        var order = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, epoch: 0);
        Assert.Equal(Steps, order.StepCount);
        for (var s = 0; s < Steps; s++)
        {
            var report = trainer.TrainStep(s, data.Train, order.Batch(s));
            var referenceLoss = reference.TrainStep(data.Train, order.Batch(s));

            var topLoss = Assert.Single(report.Losses);
            Assert.Equal(trainer.Layers.Count - 1, topLoss.Layer);
            Assert.Equal(referenceLoss, topLoss.Loss, Tolerance);
        }

        AssertSameWeights(reference.Parameters, LayerWeights(trainer));
        Assert.All(trainer.Layers, layer => Assert.Equal(0, layer.Rule.PendingSteps));

        // The comparison means something only if training moved every parameter well beyond the tolerance.
        using var scope = NewDisposeScope();
        foreach (var (before, after) in initial.Zip(LayerWeights(trainer)))
        {
            var moved = (after - before).abs().max().item<float>();
            Assert.True(moved > 100 * Tolerance, $"a parameter [{string.Join("x", before.shape)}] moved only {moved}");
            before.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void WeightStashingRunSequentiallyMatchesThePlainPath(string optimizer)
    {
        var plainSpec = Spec(optimizer);
        var stashingSpec = plainSpec with { StepsInFlight = 2 };
        var data = SyntheticDataset.Create(plainSpec.SyntheticSamples, plainSpec.Seed);
        using var plain = new InProcessTrainer(plainSpec, data);
        using var stashing = new InProcessTrainer(stashingSpec, data);
        using var reference = new ReferenceModel(plainSpec, plain);

        var order = new BatchOrder(data.Train.Count, plainSpec.BatchSize, plainSpec.Seed, epoch: 0);
        for (var s = 0; s < Steps; s++)
        {
            var plainLoss = Assert.Single(plain.TrainStep(s, data.Train, order.Batch(s)).Losses).Loss;
            var stashingLoss = Assert.Single(stashing.TrainStep(s, data.Train, order.Batch(s)).Losses).Loss;
            reference.TrainStep(data.Train, order.Batch(s));

            Assert.Equal(plainLoss, stashingLoss, Tolerance);
            Assert.All(stashing.Layers, layer => Assert.Equal(0, layer.Rule.PendingSteps));
        }

        AssertSameWeights(LayerWeights(plain), LayerWeights(stashing));
        AssertSameWeights(reference.Parameters, LayerWeights(stashing));
    }

    [Theory]
    [InlineData("sgd with momentum 0.9 and weight decay")]
    [InlineData("adam")]
    public void LayerwiseBackpropMatchesOneAutogradModelForACnn(string optimizer)
    {
        var spec = Spec(optimizer) with { Model = "cnn:c4k3m2-c8k5s2p1m1-10" };
        var data = SyntheticDataset.Create(spec.SyntheticSamples, spec.Seed);
        using var trainer = new InProcessTrainer(spec, data);
        using var reference = new ReferenceModel(spec, trainer);

        var order = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, epoch: 0);
        for (var s = 0; s < Steps; s++)
        {
            var loss = Assert.Single(trainer.TrainStep(s, data.Train, order.Batch(s)).Losses).Loss;
            Assert.Equal(reference.TrainStep(data.Train, order.Batch(s)), loss, Tolerance);
        }

        AssertSameWeights(reference.Parameters, LayerWeights(trainer));
    }

    /// <summary>
    /// A 3-layer MLP on synthetic data. 150 samples in batches of 32 make exactly 5 steps, the last one of 22 samples,
    /// so the smaller final batch is covered too.
    /// </summary>
    private static JobSpec Spec(string optimizer) => Optimizers[optimizer](new JobSpec
    {
        JobId = "equivalence",
        Dataset = "synthetic",
        SyntheticSamples = 150,
        Model = "mlp:784-32-16-10",
        Activation = "relu",
        Bias = true,
        BatchSize = 32,
        Epochs = 1,
        Seed = 17,
    });

    private static List<Parameter> LayerWeights(InProcessTrainer trainer) =>
        trainer.Layers.SelectMany(layer => layer.Rule.ForwardParameters).ToList();

    private static void AssertSameWeights(IReadOnlyList<Parameter> expected, IReadOnlyList<Parameter> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        using var scope = NewDisposeScope();
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].shape, actual[i].shape);
            var max = (expected[i] - actual[i]).abs().max().item<float>();
            Assert.True(max < Tolerance, $"parameter {i} [{string.Join("x", expected[i].shape)}] differs by up to {max}");
        }
    }

    /// <summary>
    /// The ordinary way: one Sequential of Linear/Conv2d/ReLU/MaxPool2d, one optimizer over all parameters, one backward per step. It is
    /// written here from TorchSharp primitives, independent of the project's Block, Classification and LayerOptimizer.
    /// </summary>
    private sealed class ReferenceModel : IDisposable
    {
        private readonly Sequential _model;
        private readonly optim.Optimizer _optimizer;

        public ReferenceModel(JobSpec spec, InProcessTrainer startFrom)
        {
            var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
            foreach (var layer in startFrom.Layers)
            {
                var l = layer.Context.Layer;
                if (l.Kind == LayerKind.Conv)
                {
                    modules.Add(($"conv{l.Index}", nn.Conv2d(l.InputShape[0], l.OutputShape[0], l.Kernel, stride: l.Stride, padding: l.Padding, bias: spec.Bias)));
                }
                else
                {
                    if (l.InputShape.Length > 1)
                    {
                        modules.Add(($"flatten{l.Index}", nn.Flatten()));
                    }
                    modules.Add(($"linear{l.Index}", nn.Linear(l.InputFeatures, l.OutputFeatures, hasBias: spec.Bias)));
                }
                if (l.Activation == "relu")
                {
                    modules.Add(($"relu{l.Index}", nn.ReLU()));
                }
                if (l.Kind == LayerKind.Conv && l.Pool > 1)
                {
                    modules.Add(($"pool{l.Index}", nn.MaxPool2d(l.Pool)));
                }
            }
            _model = nn.Sequential(modules);
            Parameters = _model.parameters().ToList();

            var initial = LayerWeights(startFrom);
            Assert.Equal(initial.Count, Parameters.Count);
            using (no_grad())
            {
                foreach (var (mine, theirs) in Parameters.Zip(initial))
                {
                    Assert.Equal(theirs.shape, mine.shape);
                    mine.copy_(theirs);
                }
            }
            _optimizer = spec.Optimizer == "sgd"
                ? optim.SGD(Parameters, spec.LearningRate, momentum: spec.Momentum, weight_decay: spec.WeightDecay)
                : optim.Adam(Parameters, spec.LearningRate, weight_decay: spec.WeightDecay);
        }

        public IReadOnlyList<Parameter> Parameters { get; }

        /// <summary>One step on the samples at <paramref name="indices"/>; returns the loss.</summary>
        public float TrainStep(Dataset data, ReadOnlySpan<int> indices)
        {
            var images = new float[indices.Length * data.SampleSize];
            var labels = new long[indices.Length];
            data.CopyBatch(indices, images, labels);

            using var scope = NewDisposeScope();
            var x = tensor(images, data.BatchShape(indices.Length));
            var y = tensor(labels);
            _optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(_model.forward(x), y);
            loss.backward();
            _optimizer.step();
            return loss.item<float>();
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _model.Dispose();
        }
    }
}
