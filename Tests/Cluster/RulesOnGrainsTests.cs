using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;

namespace Countercurrent.Tests.Cluster;

/// <summary>
/// Each rule trains through layer grains and ends exactly where the in-process chain ends: spread over two silos
/// (consecutive layers on different silos: every signal a grain call with bytes), and all on one silo (every signal
/// handed from layer to layer directly, as tensors but for broadcasts), the grains route forward signals, feedback, broadcasts and the
/// targets stream the same way.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RulesOnGrainsTests(ClusterFixture fixture)
{
    public static TheoryData<string, string, string, string, double, bool> Rules => new()
    {
        { "fa", "tanh", "adam", "mlp:784-64-32-10", 0.003, true },
        { "dfa", "tanh", "adam", "mlp:784-64-32-10", 0.003, true },
        { "dfa,dfa,backprop", "tanh", "adam", "mlp:784-64-32-10", 0.003, true },
        { "ccl", "elu", "sgd", "mlp:784-64-32-10", 0.2, true },
        { "backprop", "relu", "adam", "mlp:784-64-32-10", 0.003, false },
        { "fa", "tanh", "adam", "mlp:784-64-32-10", 0.003, false },
        { "dfa,dfa,backprop", "tanh", "adam", "mlp:784-64-32-10", 0.003, false },
        { "ccl", "elu", "sgd", "mlp:784-64-32-10", 0.2, false },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task A_rule_trains_through_grains_as_it_does_in_process(string rules, string activation, string optimizer, string model, double rate, bool twoSilos)
    {
        var spec = new JobSpec
        {
            JobId = "rule-" + rules.Replace(',', '-') + (twoSilos ? "-spread" : "-one-silo"),
            Dataset = "synthetic",
            SyntheticSamples = 2048,
            Model = model,
            Rules = rules.Split(','),
            Activation = activation,
            Optimizer = optimizer,
            LearningRate = rate,
            GradClip = optimizer == "sgd" ? 1.0 : 0,
            BatchSize = 32,
            Epochs = 3,
            Seed = 3,
            Placement = Enumerable.Range(0, 3).Select(i => new LayerPlacement(i, fixture.SiloNames[twoSilos ? i % 2 : 1])).ToArray(),
        };

        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        var status = await JobWaiter.Finished(fixture.Client, spec.JobId);

        Assert.True(status.State == JobState.Completed, $"{status.State}: {status.Failure}");
        Assert.True(status.History[^1].TestAccuracy > 0.5, $"{rules}: test accuracy {status.History[^1].TestAccuracy} (chance is 0.1)");
        Assert.Equal(twoSilos ? 2 : 1, status.Layers.Select(l => l.Silo).Distinct().Count());
        using var alone = new InProcessTrainer(spec, DatasetCatalog.Load(spec));
        var reference = alone.Run(cancel: TestContext.Current.CancellationToken);
        Assert.Equal(reference.History.Select(h => h.TestAccuracy), status.History.Select(h => h.TestAccuracy));
    }
}
