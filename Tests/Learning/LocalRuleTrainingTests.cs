using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Each rule trains a small network in process on the synthetic dataset to well above chance (0.1 for its 10 classes):
/// the rules' signals fit together through the same routing the grains use.
/// </summary>
public sealed class LocalRuleTrainingTests
{
    [Theory]
    [InlineData("mlp:784-64-64-10", "fa", "adam", 0.003, "relu", true)]
    [InlineData("mlp:784-64-64-10", "dfa", "adam", 0.003, "relu", true)]
    [InlineData("mlp:784-64-64-10", "dfa,dfa,backprop", "sgd", 0.5, "tanh", true)]
    [InlineData("mlp:784-64-64-10", "ccl", "sgd", 1.0, "elu", false)]
    [InlineData("cnn:c8k3s2p1-c16k3s2p1-10", "ccl", "sgd", 1.0, "elu", true)]
    public void Rule_learns_the_synthetic_dataset(string model, string rules, string optimizer, double learningRate, string activation, bool bias)
    {
        var spec = new JobSpec
        {
            Dataset = "synthetic",
            Model = model,
            Rules = rules.Split(','),
            Optimizer = optimizer,
            LearningRate = learningRate,
            GradClip = 1.0,
            Activation = activation,
            Bias = bias,
            Epochs = 4,
            BatchSize = 64,
            Seed = 3,
        };
        using var trainer = new InProcessTrainer(spec, SyntheticDataset.Create(spec.SyntheticSamples, spec.Seed));

        var result = trainer.Run(cancel: TestContext.Current.CancellationToken);

        Assert.True(result.TestAccuracy > 0.5, $"{rules}: test accuracy {result.TestAccuracy:F3} after {spec.Epochs} epochs (chance is 0.1)");
        Assert.All(trainer.Layers, layer => Assert.Equal(0, layer.Rule.PendingSteps));
    }
}
