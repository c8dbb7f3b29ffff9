using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Grains.Layers;
using Countercurrent.Grains.Signals;
using Microsoft.Extensions.DependencyInjection;

namespace Countercurrent.Tests.Cluster;

/// <summary>
/// Signals between layers on different silos travel over the silos' signal links, not as Orleans messages; exactness
/// against in-process training over links is <see cref="TrainingOnGrainsTests"/>' (its layers alternate silos).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SignalLinksOnClusterTests(ClusterFixture fixture)
{
    private SignalLinks[] Links => fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<SignalLinks>()).ToArray();

    [Fact]
    public async Task Every_silo_listens_on_loopback_and_a_layer_grain_tells_where()
    {
        Assert.All(Links, links => Assert.StartsWith("127.0.0.1:", links.Endpoint?.ToString()));
        Assert.Equal(2, Links.Select(l => l.Endpoint).Distinct().Count());

        var endpoint = await fixture.Client.GetGrain<ILayerGrain>(LayerKey.For("where", 0)).GetSignalEndpoint();

        Assert.Contains(endpoint, Links.Select(l => l.Endpoint?.ToString()));
    }

    [Fact]
    public async Task Each_step_crosses_between_silos_over_links_and_every_request_finds_its_layer()
    {
        var spec = new JobSpec
        {
            JobId = "linked",
            Dataset = "synthetic",
            SyntheticSamples = 512,
            Model = "mlp:784-32-16-10",
            Rules = ["ccl"],
            BatchSize = 32,
            Epochs = 1,
            MaxStepsPerEpoch = 8,
            MaxEvalSamples = 64,
            StepsInFlight = 4,
            // Layer 1 alone on the second silo: each step's two activations and two feedback signals cross.
            Placement = [new(0, fixture.SiloNames[0]), new(1, fixture.SiloNames[1]), new(2, fixture.SiloNames[0])],
        };
        var sentBefore = Links.Sum(l => l.Sent);
        var servedBefore = Links.Sum(l => l.Served);

        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        var status = await JobWaiter.Finished(fixture.Client, spec.JobId);

        Assert.Equal(JobState.Completed, status.State);
        var sent = Links.Sum(l => l.Sent) - sentBefore;
        var served = Links.Sum(l => l.Served) - servedBefore;
        // 8 training steps x 4 crossings, and the evaluations' forward signals (2 batches x 2 crossings each).
        Assert.True(sent >= 8 * 4 + 2 * 2, $"{sent} signals over links");
        Assert.Equal(sent, served);
        Assert.NotNull(status.LatestTestAccuracy());
    }
}
