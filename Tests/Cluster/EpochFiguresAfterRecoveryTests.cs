using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Grains.Layers;

namespace Countercurrent.Tests.Cluster;

/// <summary>An epoch interrupted by a recovery reports figures for the whole epoch, as an uninterrupted run does, not only for the steps after the rewind.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EpochFiguresAfterRecoveryTests(ClusterFixture fixture)
{
    /// <summary>32 steps an epoch, a checkpoint every 10 steps.</summary>
    private static JobSpec Spec(string jobId) => JobSpecs.Short(jobId) with { SyntheticSamples = 1024, Epochs = 2, CheckpointEvery = 10 };

    [Fact]
    public async Task The_epoch_a_recovery_rewound_into_counts_all_its_steps_in_its_loss_and_samples()
    {
        var uninterrupted = await Run(Spec("figures-reference"));
        var spec = Spec("figures-recovered");
        // Step 45 is in epoch 2 (steps 32..63), after its checkpoint at step 40: the job rewinds to step 8 of epoch 2.
        await fixture.Client.GetGrain<ILayerGrain>(LayerKey.For(spec.JobId, 1)).ArmStateLoss(45);

        var recovered = await Run(spec);

        var recovery = Assert.Single(recovered.Recoveries);
        Assert.Equal(5, recovery.StepsReplayed);
        Assert.Equal(2, recovered.History.Length);
        foreach (var (again, reference) in recovered.History.Zip(uninterrupted.History))
        {
            Assert.Equal(reference.LayerLosses.Length, again.LayerLosses.Length);
            for (var layer = 0; layer < reference.LayerLosses.Length; layer++)
            {
                Assert.Equal(reference.LayerLosses[layer], again.LayerLosses[layer], 1e-5f);
            }
            // Samples/s times seconds is the samples the figures cover: the whole epoch's 1,024.
            Assert.Equal(1024, again.SamplesPerSecond * again.Seconds, 1e-6);
        }
    }

    private async Task<JobStatus> Run(JobSpec spec)
    {
        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        var status = await JobWaiter.Finished(fixture.Client, spec.JobId);
        Assert.True(status.State == JobState.Completed, $"{spec.JobId}: {status.State} {status.Failure}");
        return status;
    }
}
