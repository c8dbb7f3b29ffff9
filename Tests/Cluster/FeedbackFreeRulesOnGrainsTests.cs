using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Grains;
using Countercurrent.Grains.Layers;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Training;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Cluster;

/// <summary>
/// Rules that need no feedback run on layer grains exactly as in process, spread over two silos and all on one: what
/// they pass up (ff's positive, negative and neutral rows; noprop's z next to the raw input the job sends) survives the
/// wire, and the hand-over of tensors between layers on one silo.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FeedbackFreeRulesOnGrainsTests(ClusterFixture fixture)
{
    private const int Steps = 6;

    private JobSpec Spec(string rule, string model, bool twoSilos) => new()
    {
        JobId = $"free-{rule}-{(twoSilos ? "spread" : "one-silo")}",
        Dataset = "synthetic",
        SyntheticSamples = 1024,
        Model = model,
        Rules = [rule],
        Optimizer = "adam",
        LearningRate = 0.002,
        BatchSize = 32,
        Epochs = 1,
        MaxStepsPerEpoch = Steps,
        MaxEvalSamples = 64,
        Seed = 11,
        Placement = Enumerable.Range(0, JobSpecValidator.Validate(new JobSpec { Dataset = "synthetic", Model = model, Rules = [rule] }).Length)
            .Select(i => new LayerPlacement(i, fixture.SiloNames[twoSilos ? i % 2 : 0])).ToArray(),
    };

    [Theory]
    [InlineData("local-aux", "mlp:784-32-16-10", true)]
    [InlineData("ff", "mlp:784-32-16-10", true)]
    [InlineData("noprop", "mlp:784-16x3-10", true)]
    [InlineData("local-aux", "mlp:784-32-16-10", false)]
    [InlineData("ff", "mlp:784-32-16-10", false)]
    [InlineData("noprop", "mlp:784-16x3-10", false)]
    public async Task Training_on_grains_equals_training_in_process(string rule, string model, bool twoSilos)
    {
        var spec = Spec(rule, model, twoSilos);
        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        var status = await JobWaiter.Finished(fixture.Client, spec.JobId);

        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(Steps, status.StepsDone);
        var data = DatasetCatalog.Load(spec);
        using var reference = new InProcessTrainer(spec, data);
        var order = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, 0, maxSteps: Steps);
        for (var s = 0; s < Steps; s++)
        {
            reference.TrainStep(s, data.Train, order.Batch(s));
        }
        Assert.Equal(0, reference.Chain.FeedbackSignalsRouted);
        // Evaluation too: the same batches under the same step numbers (noprop's inference starts from seeded noise).
        var tally = reference.Evaluate(data.Test, spec.MaxEvalSamples);
        Assert.Equal((double)tally.Correct / tally.Count, status.History[0].TestAccuracy);
        var chain = JobSpecValidator.Validate(spec);
        for (var i = 0; i < chain.Length; i++)
        {
            var state = await fixture.Client.GetGrain<IJobGrain>(spec.JobId).ExportLayer(status.ModelCheckpoint()!.Id, i);
            using var fromGrain = new Layer(new LayerContext(spec, chain, i, CPU));
            fromGrain.LoadState(state);
            using var scope = NewDisposeScope();
            foreach (var (grainWeight, localWeight) in fromGrain.Rule.ForwardParameters.Zip(reference.Layers[i].Rule.ForwardParameters))
            {
                var difference = (grainWeight - localWeight).abs().max().item<float>();
                Assert.True(difference < 1e-5f, $"{rule}, layer {i}: max abs difference {difference}");
            }
        }
    }
}
