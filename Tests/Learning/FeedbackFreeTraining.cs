using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Trains a job in process, the way `train --in-process` does, and reports what the tests of feedback-free rules
/// check: the accuracy reached and how many forward and feedback signals the chain routed.
/// </summary>
internal static class FeedbackFreeTraining
{
    public static readonly JobSpec Synthetic = new()
    {
        JobId = "feedback-free",
        Dataset = "synthetic",
        Optimizer = "adam",
        LearningRate = 1e-3,
        BatchSize = 64,
        Epochs = 3,
        Seed = 3,
    };

    public static (TrainingResult Result, long Forward, long Feedback) Run(JobSpec spec)
    {
        using var trainer = new InProcessTrainer(spec, DatasetCatalog.Load(spec));
        var result = trainer.Run(cancel: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{spec.Model} ({string.Join(",", spec.Rules)}): test accuracy per epoch {string.Join(", ", result.History.Select(e => e.TestAccuracy.ToString("P1")))}; " +
            $"{trainer.Chain.ForwardSignalsRouted} forward and {trainer.Chain.FeedbackSignalsRouted} feedback signals routed");
        Assert.All(trainer.Layers, layer => Assert.Equal(0, layer.Rule.PendingSteps));
        return (result, trainer.Chain.ForwardSignalsRouted, trainer.Chain.FeedbackSignalsRouted);
    }
}
