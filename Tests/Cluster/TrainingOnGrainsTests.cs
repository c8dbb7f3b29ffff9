using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Grains.Layers;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Training;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Cluster;

/// <summary>Training through layer grains spread over two silos: exactness against in-process backprop, pipelining, failures.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TrainingOnGrainsTests(ClusterFixture fixture)
{
    private static JobSpec SmallSpec(string jobId) => new()
    {
        JobId = jobId,
        Dataset = "synthetic",
        SyntheticSamples = 1024,
        Model = "mlp:784-32-16-10",
        Rules = ["backprop"],
        Optimizer = "adam",
        LearningRate = 0.01,
        BatchSize = 32,
        Epochs = 1,
        Seed = 7,
    };

    /// <summary>Pins layer i to silo i mod 2, so that consecutive layers always sit on different silos.</summary>
    private LayerPlacement[] Alternating(int layers) =>
        Enumerable.Range(0, layers).Select(i => new LayerPlacement(i, fixture.SiloNames[i % 2])).ToArray();

    [Fact]
    public async Task Backprop_through_grains_with_one_step_in_flight_equals_in_process_backprop()
    {
        var spec = SmallSpec("exact-bp") with { MaxStepsPerEpoch = 5, Placement = Alternating(3) };

        var status = await Start(spec);

        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(5, status.StepsDone);
        Assert.Equal(fixture.SiloNames[0], status.Layers[0].Silo);
        Assert.Equal(fixture.SiloNames[1], status.Layers[1].Silo);
        Assert.Equal(fixture.SiloNames[0], status.Layers[2].Silo);

        using var reference = new InProcessTrainer(spec, DatasetCatalog.Load(spec));
        var order = new BatchOrder(1024, spec.BatchSize, spec.Seed, 0, maxSteps: 5);
        for (var s = 0; s < 5; s++)
        {
            reference.TrainStep(s, DatasetCatalog.Load(spec).Train, order.Batch(s));
        }
        // The job ended with every layer freed; its model is the last checkpoint, which export reads.
        var job = fixture.Client.GetGrain<IJobGrain>(spec.JobId);
        var chain = JobSpecValidator.Validate(spec);
        for (var i = 0; i < 3; i++)
        {
            var released = await Assert.ThrowsAsync<LayerFailedException>(() => fixture.Client.GetGrain<ILayerGrain>(LayerKey.For(spec.JobId, i)).SaveState());
            Assert.True(released.StateLost, released.Message);
            var state = await job.ExportLayer(status.Checkpoint!.Id, i);
            using var fromGrain = new Layer(new LayerContext(spec, chain, i, CPU));
            fromGrain.LoadState(state);
            foreach (var (grainWeight, localWeight) in fromGrain.Rule.ForwardParameters.Zip(reference.Layers[i].Rule.ForwardParameters))
            {
                var difference = (grainWeight - localWeight).abs().max().item<float>();
                Assert.True(difference < 1e-5f, $"layer {i}: max abs difference {difference}");
            }
        }
    }

    [Fact]
    public async Task Several_steps_in_flight_complete_and_learn()
    {
        var spec = SmallSpec("pipelined") with { StepsInFlight = 4, Epochs = 3, Placement = Alternating(3) };

        var status = await Start(spec);

        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(3, status.History.Length);
        Assert.True(status.History[^1].TestAccuracy > 0.6, $"test accuracy {status.History[^1].TestAccuracy} (chance is 0.1)");
        Assert.All(status.History, h => Assert.True(h.SamplesPerSecond > 0));
    }

    [Fact]
    public async Task A_layer_failing_at_a_step_fails_the_job_with_that_layer_and_step_and_the_cluster_serves_a_new_job()
    {
        var spec = SmallSpec("faulty") with { Epochs = 2, Placement = Alternating(3) };
        await fixture.Client.GetGrain<ILayerGrain>(LayerKey.For(spec.JobId, 1)).ArmFault(3);

        var failed = await Start(spec);

        Assert.Equal(JobState.Failed, failed.State);
        Assert.NotNull(failed.Failure);
        Assert.Equal(1, failed.Failure.Layer);
        Assert.Equal(3, failed.Failure.Step);
        Assert.Contains("fault injected", failed.Failure.Reason);

        var next = await Start(SmallSpec("after-fault") with { MaxStepsPerEpoch = 10 });
        Assert.Equal(JobState.Completed, next.State);
    }

    [Fact]
    public async Task A_second_job_with_the_same_id_is_refused_naming_the_field()
    {
        await Start(SmallSpec("twice") with { MaxStepsPerEpoch = 2 });

        var error = await Assert.ThrowsAsync<JobSpecException>(() =>
            fixture.Client.GetGrain<IJobGrain>("twice").Start(SmallSpec("twice")));

        Assert.Equal("jobId", error.Field);
        Assert.Contains("already exists", error.Message);
    }

    private async Task<JobStatus> Start(JobSpec spec)
    {
        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        return await JobWaiter.Finished(fixture.Client, spec.JobId);
    }
}
