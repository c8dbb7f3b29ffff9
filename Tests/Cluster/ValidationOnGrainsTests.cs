using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Grains.Layers;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Training;
using Countercurrent.Tests.Learning;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Cluster;

/// <summary>
/// A job with a validation split on grains: every epoch reports its validation loss, the status names the best epoch's
/// checkpoint, the completed job's layers and its export hold that epoch's weights, exactly as in process, and a
/// recovery keeps all of that.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ValidationOnGrainsTests(ClusterFixture fixture)
{
    /// <summary>The overfitting job of the in-process test (best epoch 2 of 6), across both silos, with mid-epoch checkpoints that pruning must not let take the best one away.</summary>
    private JobSpec Spec(string jobId) => ValidationSplitTests.Overfitting with
    {
        JobId = jobId,
        CheckpointEvery = 5,
        Placement = [new LayerPlacement(0, fixture.SiloNames[0]), new LayerPlacement(1, fixture.SiloNames[1])],
    };

    [Fact]
    public async Task A_job_with_validation_ends_with_and_exports_the_weights_of_its_best_epoch()
    {
        var spec = Spec("validation-best");

        var status = await Start(spec);

        await AssertEndsAsInProcess(spec, status);
        Assert.Empty(status.Recoveries);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_recovery_after_the_best_epoch_keeps_it_and_the_job_still_ends_with_its_weights(bool twoSilos)
    {
        // On one silo the lost layer gets its signals handed from the layer below, not by a grain call.
        var spec = Spec(twoSilos ? "validation-recovery" : "validation-recovery-one-silo");
        if (!twoSilos)
        {
            spec = spec with { Placement = [new LayerPlacement(0, fixture.SiloNames[0]), new LayerPlacement(1, fixture.SiloNames[0])] };
        }
        // Epoch 4 (steps 30..39), after the checkpoint at step 35: the job rewinds to it, past the best epoch's end.
        await fixture.Client.GetGrain<ILayerGrain>(LayerKey.For(spec.JobId, 1)).ArmStateLoss(37);

        var status = await Start(spec);

        var recovery = Assert.Single(status.Recoveries);
        Assert.Equal(2, recovery.StepsReplayed);
        await AssertEndsAsInProcess(spec, status);
    }

    private async Task AssertEndsAsInProcess(JobSpec spec, JobStatus status)
    {
        Assert.True(status.State == JobState.Completed, $"{status.State}: {status.Failure}");
        var data = DatasetCatalog.Load(spec);
        using var reference = new InProcessTrainer(spec, data);
        var expected = reference.Run(cancel: TestContext.Current.CancellationToken);

        Assert.Equal(spec.Epochs, status.History.Length);
        foreach (var (grain, local) in status.History.Zip(expected.History))
        {
            Assert.NotNull(grain.ValidationLoss);
            Assert.Equal(local.ValidationLoss!.Value, grain.ValidationLoss.Value, 1e-4);
            Assert.Equal(local.ValidationAccuracy!.Value, grain.ValidationAccuracy!.Value, 1e-9);
            Assert.Equal(local.TestAccuracy, grain.TestAccuracy, 1e-9);
        }
        var best = status.Best;
        Assert.NotNull(best);
        Assert.Equal(expected.Best!.Epoch, best.Epoch);
        Assert.NotEqual(spec.Epochs, best.Epoch);
        Assert.Equal(0, best.StepInEpoch);
        Assert.Equal(best.Epoch, best.HistoryLength);
        Assert.Same(status.History[best.Epoch - 1], status.BestEpoch());
        Assert.NotEqual(status.Checkpoint!.Id, best.Id);
        Assert.Equal(best, status.ModelCheckpoint());
        Assert.Equal(best.Epoch, status.ModelEpoch()!.Epoch);
        // Of all the checkpoints taken, the job kept the latest and the best.
        Assert.Equal(new[] { best.Id, status.Checkpoint.Id }.Order(),
            Directory.GetDirectories(Path.Combine(fixture.CheckpointFolder, spec.JobId)).Select(d => long.Parse(Path.GetFileName(d))).Order());

        // The export reads the best checkpoint (kept through every prune): what the in-process trainer ended with, the
        // best epoch's weights.
        var job = fixture.Client.GetGrain<IJobGrain>(spec.JobId);
        var chain = JobSpecValidator.Validate(spec);
        for (var i = 0; i < chain.Length; i++)
        {
            AssertSameWeights(spec, chain, i, await job.ExportLayer(ExportedCheckpoint.Choose(status, latest: false).Checkpoint.Id, i), reference.Layers[i], "export");
        }
    }

    private static void AssertSameWeights(JobSpec spec, LayerSpec[] chain, int index, byte[] state, Layer expected, string source)
    {
        using var loaded = new Layer(new LayerContext(spec, chain, index, CPU));
        loaded.LoadState(state);
        foreach (var (actual, wanted) in loaded.Rule.ForwardParameters.Zip(expected.Rule.ForwardParameters))
        {
            using var difference = (actual - wanted).abs().max();
            Assert.True(difference.item<float>() < 1e-5f, $"{source} of layer {index}: max abs difference {difference.item<float>()} from the in-process best weights");
        }
    }

    private async Task<JobStatus> Start(JobSpec spec)
    {
        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        return await JobWaiter.Finished(fixture.Client, spec.JobId);
    }
}
