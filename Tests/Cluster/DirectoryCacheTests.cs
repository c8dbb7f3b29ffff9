using Countercurrent.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Countercurrent.Tests.Cluster;

/// <summary>
/// The silos' grain-location caches are sized for a trainer's few grains, not Orleans' default million entries, whose
/// two 9.3 MB dictionaries per silo the memory reading's compaction moved onto fresh pages (a one-time RSS step of
/// 17-24 MiB per silo).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DirectoryCacheTests(ClusterFixture fixture)
{
    [Fact]
    public void Every_silo_sizes_its_directory_caches_for_a_trainer()
    {
        foreach (var silo in fixture.Cluster.Silos)
        {
            var options = silo.ServiceProvider.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;

            Assert.Equal(CountercurrentGrainsExtensions.DirectoryCacheSize, options.CacheSize);
        }
    }
}
