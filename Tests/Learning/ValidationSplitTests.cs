using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Holding out a validation set: a seeded, disjoint split of the training set; the epoch with the lowest validation
/// loss is the best; the in-process trainer ends with that epoch's weights.
/// </summary>
public sealed class ValidationSplitTests
{
    private static readonly JobSpec Synthetic = new()
    {
        JobId = "validation",
        Dataset = "synthetic",
        SyntheticSamples = 1000,
        Model = "mlp:784-32-10",
        Seed = 5,
    };

    [Fact]
    public void The_split_is_deterministic_disjoint_and_covers_the_training_set()
    {
        var (train, validation) = ValidationSplit.Indices(1000, 0.1, seed: 5);
        var again = ValidationSplit.Indices(1000, 0.1, seed: 5);
        var otherSeed = ValidationSplit.Indices(1000, 0.1, seed: 6);

        Assert.Equal(100, validation.Length);
        Assert.Equal(900, train.Length);
        Assert.Equal(train, again.Train);
        Assert.Equal(validation, again.Validation);
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(Enumerable.Range(0, 1000), train.Concat(validation).Order());
        Assert.NotEqual(validation, otherSeed.Validation);
        // Not simply the first or the last samples.
        Assert.True(validation.Min() < 500 && validation.Max() >= 500, $"validation indices span {validation.Min()}..{validation.Max()}");
    }

    [Theory]
    [InlineData(60000, 0.1, 6000)]
    [InlineData(2048, 0.1, 204)]
    [InlineData(1000, 0.5, 500)]
    [InlineData(999, 0.333, 332)]
    public void The_validation_set_holds_the_floor_of_n_times_the_fraction(int count, double fraction, int expected)
    {
        var (train, validation) = ValidationSplit.Indices(count, fraction, seed: 2023);

        Assert.Equal(expected, validation.Length);
        Assert.Equal(count - expected, train.Length);
    }

    [Fact]
    public void Loading_a_job_with_validation_splits_its_training_set_and_keeps_the_test_set()
    {
        var whole = DatasetCatalog.Load(Synthetic);
        var split = DatasetCatalog.Load(Synthetic with { Validation = 0.2 });
        var (trainIndices, validationIndices) = ValidationSplit.Indices(whole.Train.Count, 0.2, Synthetic.Seed);

        Assert.Null(whole.Validation);
        Assert.NotNull(split.Validation);
        Assert.Equal(200, split.Validation.Count);
        Assert.Equal(800, split.Train.Count);
        Assert.Equal("synthetic-validation", split.Validation.Name);
        Assert.Equal(whole.Test.Images, split.Test.Images);
        Assert.Equal(whole.Test.Labels, split.Test.Labels);
        // Each part holds exactly the original samples its indices name, images and labels.
        AssertSamples(whole.Train, trainIndices, split.Train);
        AssertSamples(whole.Train, validationIndices, split.Validation);
        Assert.Equal(whole.Train.Count, split.Train.Count + split.Validation.Count);
    }

    [Fact]
    public void A_split_that_leaves_no_validation_sample_is_refused()
    {
        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(Synthetic with { SyntheticSamples = 10, Validation = 0.05 }));

        Assert.Contains("leaves no validation sample", error.Message);
    }

    [Fact]
    public void The_best_epoch_has_the_lowest_validation_loss_and_ties_go_to_the_earlier()
    {
        EpochResult Epoch(int n, double? validationLoss) => new(n, [], 0.5, 1.0, 1, 1, ValidationLoss: validationLoss, ValidationAccuracy: validationLoss is null ? null : 0.5);

        Assert.Equal(3, BestEpoch.Of([Epoch(1, 0.9), Epoch(2, 0.5), Epoch(3, 0.4), Epoch(4, 0.6)])!.Epoch);
        Assert.Equal(2, BestEpoch.Of([Epoch(1, 0.9), Epoch(2, 0.4), Epoch(3, 0.4), Epoch(4, 0.4)])!.Epoch);
        Assert.Equal(1, BestEpoch.Of([Epoch(1, 0.1)])!.Epoch);
        Assert.Null(BestEpoch.Of([Epoch(1, null), Epoch(2, null)]));
        Assert.Null(BestEpoch.Of([]));
        Assert.Equal(2, BestEpoch.Of([Epoch(1, double.NaN), Epoch(2, 0.7)])!.Epoch);
        Assert.True(BestEpoch.LastIsBest([Epoch(1, 0.9), Epoch(2, 0.5)]));
        Assert.False(BestEpoch.LastIsBest([Epoch(1, 0.5), Epoch(2, 0.5)]));
        Assert.False(BestEpoch.LastIsBest([Epoch(1, null)]));
    }

    [Fact]
    public void Evaluation_steps_of_validation_and_test_batches_never_meet()
    {
        Assert.Equal(-1, EvalSteps.Test(0));
        Assert.Equal(-10_000, EvalSteps.Test(9_999));
        Assert.True(EvalSteps.Validation(0) < EvalSteps.Test(int.MaxValue));
        Assert.Equal(EvalSteps.Validation(3), EvalSteps.For(validation: true, 3));
        Assert.Equal(EvalSteps.Test(3), EvalSteps.For(validation: false, 3));
    }

    /// <summary>
    /// A small network that overfits 300 noisy samples: its validation loss is lowest after an early epoch and rises
    /// after, so the best epoch is not the last and the trainer must go back to it.
    /// </summary>
    public static readonly JobSpec Overfitting = new()
    {
        JobId = "overfitting",
        Dataset = "synthetic",
        SyntheticSamples = 400,
        Validation = 0.25,
        Model = "mlp:784-128-10",
        Optimizer = "adam",
        LearningRate = 0.01,
        BatchSize = 32,
        Epochs = 6,
        Seed = 11,
    };

    [Fact]
    public void The_in_process_trainer_ends_with_the_weights_of_the_epoch_with_the_lowest_validation_loss()
    {
        var data = DatasetCatalog.Load(Overfitting);
        using var trainer = new InProcessTrainer(Overfitting, data);

        var result = trainer.Run(cancel: TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", result.History.Select(e =>
            $"epoch {e.Epoch}: validation loss {e.ValidationLoss:0.0000} acc {e.ValidationAccuracy:0.0000}, test loss {e.TestLoss:0.0000} acc {e.TestAccuracy:0.0000}")));
        Assert.All(result.History, e =>
        {
            Assert.NotNull(e.ValidationLoss);
            Assert.NotNull(e.ValidationAccuracy);
        });
        var best = result.Best;
        Assert.NotNull(best);
        Assert.Equal(result.History.MinBy(e => e.ValidationLoss)!.Epoch, best.Epoch);
        Assert.NotEqual(Overfitting.Epochs, best.Epoch);
        Assert.Same(best, result.Final);
        Assert.Equal(best.TestAccuracy, result.TestAccuracy);

        // Evaluating the trainer now gives exactly what the best epoch recorded, not what the last one did.
        var test = trainer.Evaluate(data.Test);
        var validation = trainer.Evaluate(data.Validation!, validation: true);
        Assert.Equal(best.TestLoss, test.LossSum / test.Count, 1e-9);
        Assert.Equal(best.TestAccuracy, (double)test.Correct / test.Count);
        Assert.Equal(best.ValidationLoss!.Value, validation.LossSum / validation.Count, 1e-9);
        Assert.NotEqual(result.History[^1].TestLoss, test.LossSum / test.Count, 1e-6);
    }

    [Fact]
    public void Without_validation_the_trainer_keeps_the_last_epoch_and_reports_no_validation()
    {
        var spec = Overfitting with { Validation = 0, Epochs = 2 };
        var data = DatasetCatalog.Load(spec);
        using var trainer = new InProcessTrainer(spec, data);

        var result = trainer.Run(cancel: TestContext.Current.CancellationToken);

        Assert.Null(data.Validation);
        Assert.Null(result.Best);
        Assert.All(result.History, e => Assert.Null(e.ValidationLoss));
        Assert.Same(result.History[^1], result.Final);
        var test = trainer.Evaluate(data.Test);
        Assert.Equal(result.History[^1].TestLoss, test.LossSum / test.Count, 1e-9);
    }

    private static void AssertSamples(Dataset original, int[] indices, Dataset part)
    {
        Assert.Equal(indices.Length, part.Count);
        for (var i = 0; i < indices.Length; i++)
        {
            Assert.Equal(original.Labels[indices[i]], part.Labels[i]);
            Assert.True(original.Images.AsSpan(indices[i] * original.SampleSize, original.SampleSize)
                .SequenceEqual(part.Images.AsSpan(i * part.SampleSize, part.SampleSize)), $"sample {i} of {part.Name} is not sample {indices[i]}");
        }
    }
}
