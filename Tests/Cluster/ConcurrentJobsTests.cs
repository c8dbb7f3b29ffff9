using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;

namespace Countercurrent.Tests.Cluster;

/// <summary>Several jobs at once on one cluster train independently: each ends exactly as it does alone, in process.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ConcurrentJobsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Three_concurrent_jobs_each_match_their_in_process_run()
    {
        JobSpec[] specs =
        [
            new() { JobId = "together-a", Dataset = "synthetic", SyntheticSamples = 1024, Model = "mlp:784-32-10", BatchSize = 32, Epochs = 2, Seed = 1 },
            new() { JobId = "together-b", Dataset = "synthetic", SyntheticSamples = 1024, Model = "mlp:784-64-32-10", BatchSize = 64, Epochs = 2, Seed = 2, Optimizer = "sgd", LearningRate = 0.05, Momentum = 0.9 },
            new() { JobId = "together-c", Dataset = "synthetic", SyntheticSamples = 1024, Model = "mlp:784-48-10", BatchSize = 16, Epochs = 2, Seed = 3, StepsInFlight = 3 },
        ];

        await Task.WhenAll(specs.Select(s => fixture.Client.GetGrain<IJobGrain>(s.JobId).Start(s)));
        var statuses = await Task.WhenAll(specs.Select(s => JobWaiter.Finished(fixture.Client, s.JobId)));

        foreach (var (spec, status) in specs.Zip(statuses))
        {
            Assert.Equal(JobState.Completed, status.State);
            if (spec.StepsInFlight > 1)
            {
                Assert.True(status.History[^1].TestAccuracy > 0.5, $"{spec.JobId}: {status.History[^1].TestAccuracy}");
                continue;
            }
            using var alone = new InProcessTrainer(spec, DatasetCatalog.Load(spec));
            var reference = alone.Run(cancel: TestContext.Current.CancellationToken);
            Assert.Equal(reference.History.Select(h => h.TestAccuracy), status.History.Select(h => h.TestAccuracy));
            Assert.Equal(reference.History.Select(h => h.TestLoss), status.History.Select(h => h.TestLoss), (a, b) => Math.Abs(a - b) < 1e-6);
        }
    }
}
