using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Countercurrent.Grains.Placement;

/// <summary>The active silos with what they advertise, read from membership and silo metadata.</summary>
public sealed class ClusterDirectory(IGrainFactory grains, ISiloMetadataCache metadata)
{
    public async Task<IReadOnlyList<(SiloDescription Silo, SiloAddress Address)>> ActiveSilos()
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        return hosts.Select(h =>
        {
            var meta = metadata.GetSiloMetadata(h.SiloAddress).Metadata;
            var name = meta.TryGetValue(SiloMetadataKeys.Name, out var n) ? n : h.SiloName;
            var devices = meta.TryGetValue(SiloMetadataKeys.Devices, out var d) ? d.Split(',', StringSplitOptions.RemoveEmptyEntries) : ["cpu"];
            var cores = meta.TryGetValue(SiloMetadataKeys.Cores, out var c) && int.TryParse(c, out var k) ? k : 0;
            return (new SiloDescription(name, h.SiloAddress.ToString(), devices, cores), h.SiloAddress);
        }).ToList();
    }
}
