using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Each rule trains a small MLP in process on the synthetic dataset to well above chance (0.1 for its 10 classes):
/// the rules' signals fit together through the same routing the grains use.
/// </summary>
public sealed class LocalRuleTrainingTests
{
    [Theory]
    [InlineData("fa", "adam", 0.003, 1.0, "relu", true)]
    [InlineData("dfa", "adam", 0.003, 1.0, "relu", true)]
    [InlineData("dfa,dfa,backprop", "sgd", 0.5, 1.0, "tanh", true)]
    [InlineData("ccl", "sgd", 1.0, 1.0, "elu", false)]
    public void Rule_learns_the_synthetic_dataset(string rules, string optimizer, double learningRate, double gradClip, string activation, bool bias)
    {
        var spec = new JobSpec
        {
            Dataset = "synthetic",
            Model = "mlp:784-64-64-10",
            Rules = rules.Split(','),
            Optimizer = optimizer,
            LearningRate = learningRate,
            GradClip = gradClip,
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
