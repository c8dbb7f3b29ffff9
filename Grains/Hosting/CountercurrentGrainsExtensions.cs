using Countercurrent.Grains.Checkpoints;
using Countercurrent.Grains.Data;
using Countercurrent.Grains.Jobs;
using Countercurrent.Grains.Layers;
using Countercurrent.Grains.Placement;
using Countercurrent.Grains.Signals;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Countercurrent.Grains.Hosting;

/// <summary>
/// Registers what the grains need on a silo (among it the budget of <paramref name="cores"/> its CPU layers share) and advertises the silo's name, devices and cores as silo metadata. The
/// host also registers the grain storage named <see cref="JobGrain.StorageName"/> and an <see cref="ICheckpointStore"/>
/// (see <see cref="UseFolderCheckpoints"/>).
/// </summary>
public static class CountercurrentGrainsExtensions
{
    /// <param name="directHandOver">Whether layers hand signals straight to co-located neighbours (<see cref="LocalLayers"/>) rather than through grain calls.</param>
    /// <param name="signalLinks">Whether layers send signals to neighbours on other silos over signal links (<see cref="SignalLinks"/>) rather than grain calls, and the port this silo takes them on.</param>
    public static ISiloBuilder AddCountercurrentGrains(this ISiloBuilder silo, string name, IReadOnlyCollection<string> devices, int cores, bool directHandOver = true,
        SignalLinkOptions? signalLinks = null)
    {
        silo.UseSiloMetadata(new Dictionary<string, string>
        {
            [SiloMetadataKeys.Name] = name,
            [SiloMetadataKeys.Devices] = string.Join(",", devices),
            [SiloMetadataKeys.Cores] = cores.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = name);
        silo.Configure<Orleans.Configuration.GrainDirectoryOptions>(o => o.CacheSize = DirectoryCacheSize);
        // A running job's reminder ticks every 10 s (JobGrain.KeepRunningReminder); Orleans refuses periods under a minute by default.
        silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = JobGrain.KeepRunningPeriod);
        // Carries W3C trace context through grain calls, so a traced step's spans nest across silos.
        silo.AddActivityPropagation();
        silo.Services.AddSingleton<DatasetCache>();
        silo.Services.AddSingleton(new CoreBudget(cores));
        silo.Services.AddSingleton(new LocalLayers(directHandOver));
        silo.Services.AddSingleton(signalLinks ?? new SignalLinkOptions());
        silo.Services.AddSingleton<SignalLinks>();
        silo.Services.AddHostedService(services => services.GetRequiredService<SignalLinks>());
        silo.Services.AddSingleton<TensorThreadPool>();
        silo.Services.AddSingleton<ClusterDirectory>();
        return silo;
    }

    /// <summary>
    /// Entries in each of the silo's two grain-location caches. Orleans' default, 1,000,000, sizes each cache's
    /// dictionary for that many up front: two 9.3 MB arrays on the large-object heap of every silo, for a trainer that
    /// has a few grains per job (its layers, the job, the registry). The compacting collection of every memory reading
    /// moved them onto pages not touched before, and every silo's RSS stepped up by 17-24 MiB once, a few epochs into a
    /// job (`dotnet-dump`: they were 18.6 of the 23.3 MB live on that heap). At 10,000 entries each array is 79 KiB and
    /// stays off that heap. A silo with more grains than this looks the others up in the directory again, which is all
    /// a cache miss costs.
    /// </summary>
    public const int DirectoryCacheSize = 10_000;

    /// <summary>Checkpoints as files under <paramref name="folder"/> (one machine, or a folder every silo shares).</summary>
    public static ISiloBuilder UseFolderCheckpoints(this ISiloBuilder silo, string folder)
    {
        silo.Services.AddSingleton<ICheckpointStore>(new FolderCheckpointStore(folder));
        return silo;
    }
}
