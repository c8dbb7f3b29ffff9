using System.Diagnostics;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;
using TorchSharp;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>Runs alone: the resident set size of the process is disturbed by anything else running beside it.</summary>
[CollectionDefinition(nameof(TrainingMemoryCollection), DisableParallelization = true)]
public sealed class TrainingMemoryCollection;

/// <summary>
/// Training steps give back everything they take: after a warm-up no tensor stays live and the process does not grow.
/// <para>
/// TorchSharp counts tensors two ways. <c>Tensor.TotalCount</c> is process-wide, so other tests would disturb it.
/// <c>DisposeScopeManager.Statistics</c> counts the tensors created and disposed on this thread; a training step is
/// synchronous, so its live count is exact for what the test does, and a tensor the trainer forgets stays live there
/// even if the GC later finalises it (that dispose is counted on the finalizer thread). The warm-up lets the optimizer
/// create its state (gradients, momentum, Adam's moments) first.
/// </para>
/// </summary>
[Collection(nameof(TrainingMemoryCollection))]
public sealed class TrainingMemoryTests
{
    private static readonly JobSpec Spec = new()
    {
        JobId = "memory",
        Dataset = "synthetic",
        SyntheticSamples = 512,
        Model = "mlp:784-64-10",
        Optimizer = "adam",
        BatchSize = 64,
        Epochs = 1,
        Seed = 3,
    };

    [Fact]
    public void MoreStepsDoNotGrowTheLiveTensorCount()
    {
        var data = DatasetCatalog.Load(Spec);
        using var trainer = new InProcessTrainer(Spec, data);
        var statistics = DisposeScopeManager.Statistics;

        RunEpoch(trainer, Spec, data.Train, epoch: 0);
        var afterWarmUp = statistics.ThreadTotalLiveCount;
        for (var epoch = 1; epoch <= 3; epoch++)
        {
            RunEpoch(trainer, Spec, data.Train, epoch);
            Assert.True(
                statistics.ThreadTotalLiveCount == afterWarmUp,
                $"after epoch {epoch} {statistics.ThreadTotalLiveCount} tensors are live, {afterWarmUp} after the warm-up ({statistics})");
        }
    }

    [Fact]
    public void WeightStashingDoesNotGrowTheLiveTensorCount()
    {
        var spec = Spec with { Model = "mlp:784-32-16-10", StepsInFlight = 4 };
        var data = DatasetCatalog.Load(spec);
        using var trainer = new InProcessTrainer(spec, data);
        var statistics = DisposeScopeManager.Statistics;

        RunEpoch(trainer, spec, data.Train, epoch: 0);
        var afterWarmUp = statistics.ThreadTotalLiveCount;
        RunEpoch(trainer, spec, data.Train, epoch: 1);

        Assert.True(
            statistics.ThreadTotalLiveCount == afterWarmUp,
            $"{statistics.ThreadTotalLiveCount} tensors are live, {afterWarmUp} after the warm-up ({statistics})");
        Assert.All(trainer.Layers, layer => Assert.Equal(0, layer.Rule.PendingSteps));
    }

    /// <summary>
    /// A backstop for native memory that no managed tensor accounts for (an autograd graph kept alive, optimizer state
    /// that grows). Collecting first removes the managed heap's and finalisable tensors' share from the measurement.
    /// 320 steps after the warm-up: keeping one batch of inputs (200 KB) per step would add 64 MB; measured growth
    /// here is about 1 MB, within the allocator's noise.
    /// </summary>
    [Fact]
    public void MoreStepsDoNotGrowTheResidentSetSize()
    {
        var spec = Spec with { SyntheticSamples = 2048 };
        var data = DatasetCatalog.Load(spec);
        using var trainer = new InProcessTrainer(spec, data);

        RunEpoch(trainer, spec, data.Train, epoch: 0);
        RunEpoch(trainer, spec, data.Train, epoch: 1);
        var before = ResidentBytes();
        for (var epoch = 2; epoch < 12; epoch++)
        {
            RunEpoch(trainer, spec, data.Train, epoch);
        }
        var after = ResidentBytes();

        const long allowed = 32L * 1024 * 1024;
        Assert.True(after - before < allowed, $"the resident set grew by {(after - before) / 1e6:F1} MB over 320 steps ({before / 1e6:F1} MB -> {after / 1e6:F1} MB)");
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static void RunEpoch(InProcessTrainer trainer, JobSpec spec, Dataset data, int epoch)
    {
        var order = new BatchOrder(data.Count, spec.BatchSize, spec.Seed, epoch);
        for (var s = 0; s < order.StepCount; s++)
        {
            trainer.TrainStep((long)epoch * order.StepCount + s, data, order.Batch(s));
        }
        trainer.Evaluate(data, maxSamples: 256);
    }
}
