using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Cluster;

/// <summary>A submission the cluster refuses after registering its id (placement, dataset) leaves no job behind: not in the list, and the id is free.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RefusedSubmissionTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("unknown-silo")]
    [InlineData("missing-device")]
    [InlineData("missing-dataset")]
    public async Task A_refused_job_is_not_listed_and_its_id_can_be_used_again(string refusal)
    {
        var id = $"refused-{refusal}";
        var good = JobSpecs.Short(id);
        var refused = refusal switch
        {
            "unknown-silo" => good with { Placement = [new LayerPlacement(0, "no-such-silo")] },
            "missing-device" => good with { Placement = [new LayerPlacement(1, fixture.SiloNames[1], "cuda:0")] },
            _ => good with { Dataset = "mnist", DataDirectory = "/no/such/folder" },
        };
        var job = fixture.Client.GetGrain<IJobGrain>(id);
        var registry = fixture.Client.GetGrain<IJobRegistryGrain>(0);

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.Start(refused));

        Assert.Equal(refusal == "missing-dataset" ? "dataset" : "placement", error.Field);
        Assert.DoesNotContain(id, await registry.List());
        Assert.Null((await job.GetStatus()).Spec);

        await job.Start(good);
        var status = await JobWaiter.Finished(fixture.Client, id);
        Assert.Equal(JobState.Completed, status.State);
        Assert.Contains(id, await registry.List());
    }
}
