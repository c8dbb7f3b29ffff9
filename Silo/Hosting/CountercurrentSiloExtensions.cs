using System.Net;
using Countercurrent.Grains.Checkpoints;
using Countercurrent.Grains.Hosting;
using Countercurrent.Grains.Signals;
using Countercurrent.Grains.Jobs;
using Countercurrent.Silo.Checkpoints;
using StackExchange.Redis;
using Countercurrent.Learning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Hosting.Kubernetes;

namespace Countercurrent.Silo.Hosting;

/// <summary>Makes a host a Countercurrent silo: validated options, clustering, grains, torch threads.</summary>
public static class CountercurrentSiloExtensions
{
    /// <exception cref="SiloSettingsException">A setting is of the wrong type, unknown, or cannot work.</exception>
    public static HostApplicationBuilder AddCountercurrentSilo(this HostApplicationBuilder builder, Action<SiloOptions>? configure = null)
    {
        var options = SiloOptionsReader.Read(builder.Configuration);
        configure?.Invoke(options);
        var result = new SiloOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new SiloSettingsException(string.Join(Environment.NewLine, result.Failures));
        }
        if (options.Name.Length == 0)
        {
            options.Name = options.Clustering == "kubernetes" && Environment.GetEnvironmentVariable(KubernetesHostingOptions.PodNameEnvironmentVariable) is { Length: > 0 } pod
                ? pod
                : $"{Environment.MachineName}-{options.SiloPort}";
        }
        builder.Services.AddSingleton(Options.Create(options));
        TorchRuntime.SetThreads(options.TorchThreads);
        builder.AddCountercurrentTelemetry("countercurrent-silo");

        builder.UseOrleans(silo =>
        {
            silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            switch (options.Clustering)
            {
                case "localhost":
                    silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, new IPEndPoint(IPAddress.Loopback, options.PrimarySiloPort));
                    break;
                case "redis":
                    silo.UseRedisClustering(options.Redis);
                    silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                    break;
                case "kubernetes":
                    silo.UseRedisClustering(options.Redis);
                    silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                    silo.UseKubernetesHosting();
                    break;
            }
            silo.Configure<Orleans.Configuration.ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(options.ProbeTimeoutSeconds);
                o.NumMissedProbesLimit = options.MissedProbesLimit;
                // A silo writes its liveness to the membership table every 10 s (Orleans: 30 s), so the entries of a
                // killed cluster count as stale after 30 s instead of 90, and a cluster restarted on other addresses
                // (new pods, new ports) is usable that much sooner. End-to-end restart test, two silos on new ports,
                // until the client was connected and both silos active: 122 s before; 62 s with this alone (with 5 s
                // renewals too, the new silos' gateways listened after 2 s and the client still took 62 s: it kept
                // its first gateway list for a minute); 32 s with the client rereading the list every 5 s as well
                // (ClusterConnection.GatewayListRefreshPeriod).
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            });
            var cores = options.TorchThreads > 0 ? options.TorchThreads : Environment.ProcessorCount;
            silo.AddCountercurrentGrains(options.Name, options.Devices, cores, options.DirectHandOver, new SignalLinkOptions(options.SignalLinks, options.SignalPort));
            // Job state and the reminders that resume running jobs after a restart live in the same place.
            if (options.EffectiveStorage == "redis")
            {
                silo.AddRedisGrainStorage(JobGrain.StorageName, o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis));
                silo.UseRedisReminderService(o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis));
            }
            else
            {
                silo.AddMemoryGrainStorage(JobGrain.StorageName);
                silo.UseInMemoryReminderService();
            }
            if (options.EffectiveCheckpoints == "redis")
            {
                silo.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options.Redis));
                silo.Services.AddSingleton<ICheckpointStore, RedisCheckpointStore>();
            }
            else
            {
                silo.UseFolderCheckpoints(options.CheckpointFolder);
            }
        });
        return builder;
    }
}
