using Countercurrent.Grains.Hosting;
using Orleans.TestingHost;

namespace Countercurrent.Tests.Cluster;

/// <summary>An in-process Orleans test cluster of two silos running the Countercurrent grains, shared by the cluster tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _checkpoints = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    /// <summary>Where the silos' layers write checkpoints: {folder}/{job}/{checkpoint}/layer-{i}.bin.</summary>
    public string CheckpointFolder => _checkpoints.Path;

    /// <summary>Silo names in the order they were started ("Primary", "Secondary_1").</summary>
    public string[] SiloNames { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((options, silo) => silo
            .AddCountercurrentGrains(options.SiloName, ["cpu"], 1)
            .UseFolderCheckpoints(_checkpoints.Path)
            .AddMemoryGrainStorage(Grains.Jobs.JobGrain.StorageName)
            .UseInMemoryReminderService());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        SiloNames = Cluster.Silos.Select(s => s.Name).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        _checkpoints.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
