using System.Net;
using Countercurrent.Grains.Hosting;
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
    public static HostApplicationBuilder AddCountercurrentSilo(this HostApplicationBuilder builder, Action<SiloOptions>? configure = null)
    {
        var options = new SiloOptions();
        builder.Configuration.GetSection(SiloOptions.Section).Bind(options);
        configure?.Invoke(options);
        var result = new SiloOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(SiloOptions.Section, typeof(SiloOptions), result.Failures);
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
            var cores = options.TorchThreads > 0 ? options.TorchThreads : Environment.ProcessorCount;
            silo.AddCountercurrentGrains(options.Name, options.Devices, cores);
        });
        return builder;
    }
}
