using StackExchange.Redis;

namespace Countercurrent.Silo.Hosting;

/// <summary>
/// Connects once to the Redis a silo is configured with, before the silo starts: without it an unreachable Redis
/// surfaced as an unhandled RedisConnectionException from Orleans' membership table, after a screen of start-up logs.
/// </summary>
public static class RedisReachability
{
    public static async Task Check(SiloOptions options)
    {
        if (!options.UsesRedis)
        {
            return;
        }
        var configuration = ConfigurationOptions.Parse(options.Redis);
        configuration.AbortOnConnectFail = true;
        try
        {
            using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        }
        catch (RedisConnectionException e)
        {
            throw Unreachable(options.Redis, e);
        }
    }

    /// <summary>The one-line refusal for a connection string that did not connect, here or in Orleans' Redis providers.</summary>
    public static RedisUnreachableException Unreachable(string redis, RedisConnectionException e)
    {
        var configuration = ConfigurationOptions.Parse(redis);
        configuration.SetDefaultPorts();
        var endpoints = string.Join(",", configuration.EndPoints.Select(Format));
        return new RedisUnreachableException(
            $"cannot reach Redis at {endpoints} ({SiloOptions.Section}:Redis, {e.FailureType}); start redis-server there or change the setting", e);
    }

    private static string Format(System.Net.EndPoint endpoint) => endpoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endpoint.ToString() ?? "",
    };
}
