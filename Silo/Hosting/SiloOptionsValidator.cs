using System.Net;
using Countercurrent.Learning.Layers;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Countercurrent.Silo.Hosting;

/// <summary>Refuses silo options that cannot work, naming the setting.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public static readonly string[] ClusteringKinds = ["localhost", "redis", "kubernetes"];

    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var errors = new List<string>();
        if (!ClusteringKinds.Contains(options.Clustering))
        {
            errors.Add($"Silo:Clustering '{options.Clustering}' is unknown; expected one of {string.Join(", ", ClusteringKinds)}");
        }
        if (options.Clustering is "redis" or "kubernetes" && string.IsNullOrWhiteSpace(options.Redis))
        {
            errors.Add($"Silo:Redis is empty; {options.Clustering} clustering needs a Redis connection string (host:port)");
        }
        if (options.UsesRedis && !string.IsNullOrWhiteSpace(options.Redis) && !IsRedisConnectionString(options.Redis, out var why))
        {
            errors.Add($"Silo:Redis '{options.Redis}' is not a Redis connection string (host:port[,option=value...]): {why}");
        }
        if (options.Clustering == "redis" && !IPAddress.TryParse(options.AdvertisedAddress, out _))
        {
            errors.Add($"Silo:AdvertisedAddress '{options.AdvertisedAddress}' is not an IP address");
        }
        Port("SiloPort", options.SiloPort);
        Port("GatewayPort", options.GatewayPort);
        Port("PrimarySiloPort", options.PrimarySiloPort);
        if (options.SignalPort != 0)
        {
            Port("SignalPort", options.SignalPort);
            if (options.SignalPort == options.SiloPort || options.SignalPort == options.GatewayPort)
            {
                errors.Add($"Silo:SignalPort {options.SignalPort} is also the silo or gateway port");
            }
        }
        if (options.SiloPort == options.GatewayPort)
        {
            errors.Add($"Silo:SiloPort and Silo:GatewayPort are both {options.SiloPort}");
        }
        if (options.Devices.Length == 0)
        {
            errors.Add("Silo:Devices is empty; offer at least cpu");
        }
        errors.AddRange(options.Devices.Where(d => !DeviceName.IsValid(d)).Select(d => $"Silo:Devices '{d}' is not cpu or cuda:N"));
        if (options.TorchThreads < 0)
        {
            errors.Add($"Silo:TorchThreads {options.TorchThreads} must be 0 (all cores) or positive");
        }
        if (options.EffectiveStorage is not ("memory" or "redis"))
        {
            errors.Add($"Silo:Storage '{options.Storage}' is unknown; expected memory or redis");
        }
        if (options.EffectiveCheckpoints is not ("folder" or "redis"))
        {
            errors.Add($"Silo:Checkpoints '{options.Checkpoints}' is unknown; expected folder or redis");
        }
        if ((options.EffectiveStorage == "redis" || options.EffectiveCheckpoints == "redis") && string.IsNullOrWhiteSpace(options.Redis))
        {
            errors.Add("Silo:Redis is empty but storage or checkpoints are in Redis");
        }
        if (!(options.ProbeTimeoutSeconds > 0) || options.MissedProbesLimit < 1)
        {
            errors.Add($"Silo:ProbeTimeoutSeconds ({options.ProbeTimeoutSeconds}) must be positive and Silo:MissedProbesLimit ({options.MissedProbesLimit}) at least 1");
        }
        if (options.Name.Length > 0 && options.Name.Any(c => char.IsWhiteSpace(c) || c == ','))
        {
            errors.Add($"Silo:Name '{options.Name}' may not hold spaces or commas");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        static bool IsRedisConnectionString(string value, out string why)
        {
            try
            {
                why = ConfigurationOptions.Parse(value).EndPoints.Count == 0 ? "no host:port" : "";
            }
            catch (ArgumentException e)
            {
                why = e.Message;
            }
            return why.Length == 0;
        }

        void Port(string setting, int port)
        {
            if (port is <= 0 or > 65535)
            {
                errors.Add($"Silo:{setting} {port} is not a port");
            }
        }
    }
}
