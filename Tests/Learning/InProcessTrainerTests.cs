using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>The in-process trainer, run the way the `train --in-process` command runs it, learns.</summary>
public sealed class InProcessTrainerTests
{
    private static readonly JobSpec SyntheticMlp = new()
    {
        JobId = "in-process",
        Dataset = "synthetic",
        Model = "mlp:784-64-10",
        Optimizer = "adam",
        LearningRate = 1e-3,
        BatchSize = 64,
        Epochs = 3,
        Seed = 3,
    };

    [Fact]
    public void LearnsSyntheticData()
    {
        using var trainer = new InProcessTrainer(SyntheticMlp, DatasetCatalog.Load(SyntheticMlp));
        var epochs = new List<EpochResult>();

        var result = trainer.Run(epochDone: epochs.Add, cancel: TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"test accuracy per epoch: {string.Join(", ", result.History.Select(e => e.TestAccuracy.ToString("P1")))}");
        Assert.Equal(3, result.History.Length);
        Assert.Equal(result.History, epochs);
        Assert.Equal([1, 2, 3], result.History.Select(e => e.Epoch));
        Assert.True(result.TestAccuracy > 0.8, $"test accuracy after 3 epochs is {result.TestAccuracy:P1}");
        var topLosses = result.History.Select(e => e.LayerLosses[^1]).ToList();
        Assert.True(topLosses[^1] < topLosses[0], $"training loss did not fall: {string.Join(", ", topLosses)}");
        Assert.True(float.IsNaN(result.History[0].LayerLosses[0]), "a hidden backprop layer has no local loss");
        Assert.True(result.SamplesPerSecond > 0);
    }

    [Theory]
    [InlineData(0, 409)]
    [InlineData(100, 100)]
    [InlineData(128, 128)]
    [InlineData(5000, 409)]
    public void EvaluationCountsExactlyTheSamplesAskedFor(int maxSamples, int expected)
    {
        var spec = SyntheticMlp with { SyntheticSamples = 2048 };
        var data = DatasetCatalog.Load(spec);
        using var trainer = new InProcessTrainer(spec, data);
        Assert.Equal(409, data.Test.Count);

        var tally = trainer.Evaluate(data.Test, maxSamples);

        Assert.Equal(expected, tally.Count);
        Assert.InRange(tally.Correct, 0, expected);
        Assert.True(tally.LossSum > 0);
    }
}
