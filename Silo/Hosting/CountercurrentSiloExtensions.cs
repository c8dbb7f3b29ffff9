using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Countercurrent.Grains.Hosting;
using Countercurrent.Learning;

namespace Countercurrent.Silo.Hosting;

/// <summary>Makes a host a Countercurrent silo: options, clustering, storage, torch threads.</summary>
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
            options.Name = $"{Environment.MachineName}-{options.SiloPort}";
        }
        builder.Services.AddSingleton(Options.Create(options));
        TorchRuntime.SetThreads(options.TorchThreads);

        builder.UseOrleans(silo =>
        {
            silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, new IPEndPoint(IPAddress.Loopback, options.PrimarySiloPort));
            silo.AddCountercurrentGrains(options.Name, options.Devices, options.TorchThreads > 0 ? options.TorchThreads : Environment.ProcessorCount);
        });
        return builder;
    }
}
