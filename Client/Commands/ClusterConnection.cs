using System.Net;
using System.Net.Sockets;
using Countercurrent.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Countercurrent.Client.Commands;

/// <summary>
/// A running Orleans client: either connected to a cluster (<c>--cluster redis://host:port</c>, or
/// <c>--cluster host:port[,host:port...]</c> naming the silos' gateways), or co-hosted with an embedded silo in this
/// process (no --cluster).
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    public const string DefaultGateway = "127.0.0.1:30000";

    /// <summary>How long <see cref="Connect"/> tries before it reports the cluster unreachable.</summary>
    public static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(15);

    /// <summary>How often a client rereads the cluster's gateways.</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    private readonly IHost _host;

    private ClusterConnection(IHost host, string description, string? address)
    {
        _host = host;
        Description = description;
        Address = address;
    }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();
    public string Description { get; }

    /// <summary>The --cluster address this client connected to; null for the embedded silo.</summary>
    public string? Address { get; }

    /// <summary>The command that follows the job again from another shell (null on the embedded silo, which ends with this process).</summary>
    public string? WatchCommand(string jobId) => Address is null ? null : $"countercurrent watch {jobId} --cluster {Address}";

    /// <summary>What every command says when the cluster holds no job of that id.</summary>
    public ClusterUnavailableException UnknownJob(string jobId) => UnknownJob(jobId, Description);

    /// <inheritdoc cref="UnknownJob(string)"/>
    public static ClusterUnavailableException UnknownJob(string jobId, string cluster) => new($"job '{jobId}' is unknown to {cluster}");

    /// <summary>Starts a silo in this process, on free loopback ports, and returns its co-hosted client.</summary>
    /// <param name="checkpointFolder">Where its layers write checkpoints; null: the silo's default (runs/checkpoints).</param>
    public static async Task<ClusterConnection> Embedded(int torchThreads, CancellationToken cancel, string? checkpointFolder = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        QuietLogging(builder);
        // The embedded silo's Orleans warnings are about the runtime's health on this machine (a work item that took 2 s
        // while the machine was busy), not about the user's job, whose failures reach the user as the job's state.
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        var siloPort = Processes.FreePort.Next();
        var gatewayPort = Processes.FreePort.Next();
        builder.AddCountercurrentSilo(o =>
        {
            o.Name = "embedded";
            o.SiloPort = siloPort;
            o.GatewayPort = gatewayPort;
            o.PrimarySiloPort = siloPort;
            o.TorchThreads = torchThreads;
            o.ClusterId = $"embedded-{Environment.ProcessId}";
            if (checkpointFolder is not null)
            {
                o.CheckpointFolder = checkpointFolder;
            }
        });
        var host = builder.Build();
        await host.StartAsync(cancel);
        return new ClusterConnection(host, "embedded silo", address: null);
    }

    /// <summary>
    /// Connects to a running cluster: <c>redis://host:port</c> finds the gateways in the cluster's Redis membership
    /// table; <c>host:port[,host:port...]</c> names the gateways directly (localhost clustering).
    /// </summary>
    /// <param name="limit">How long to try; <see cref="ConnectLimit"/> by default. Silos started after the whole cluster
    /// went down stay Joining, with no gateway in the membership, until the dead silos' entries expire (about 90 s).</param>
    public static async Task<ClusterConnection> Connect(string address, CancellationToken cancel, string clusterId = "countercurrent", TimeSpan? limit = null)
    {
        const string redisScheme = "redis://";
        var redis = address.StartsWith(redisScheme, StringComparison.OrdinalIgnoreCase) ? address[redisScheme.Length..].TrimEnd('/') : null;
        var gateways = redis is null ? ParseGateways(address) : [];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        QuietLogging(builder);
        // A client's failures reach the user as one line each (ClusterUnavailableException, ClusterLostException);
        // Orleans' warnings about refused connections and the host's "failed to start" would repeat them with stack traces.
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.AddCountercurrentTelemetry("countercurrent-client");
        builder.UseOrleansClient(client =>
        {
            client.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "countercurrent";
            });
            client.AddActivityPropagation();
            client.UseConnectionRetryFilter(new ConnectDeadlineRetryFilter(limit ?? ConnectLimit));
            // Reread the cluster's gateways every few seconds (Orleans: every minute). A client that starts while the
            // cluster restarts may first see only the dead silos' gateways, and with a minute's period it kept trying
            // them for a minute after the new silos were up; the reread is one membership-table read.
            client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod);
            if (redis is not null)
            {
                client.UseRedisClustering(redis);
            }
            else
            {
                client.UseStaticClustering(gateways);
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            host.Dispose();
            throw new ClusterUnavailableException(Unreachable(address, redis, limit ?? ConnectLimit, e));
        }
        return new ClusterConnection(host, $"cluster {address}", address);
    }

    /// <summary>One line on why the client could not connect, without the libraries' advice meant for their programmers.</summary>
    private static string Unreachable(string address, string? redis, TimeSpan limit, Exception e) => e switch
    {
        StackExchange.Redis.RedisConnectionException => $"cannot reach the cluster's Redis at {redis} (--cluster {address})",
        OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or OperationCanceledException =>
            $"cannot reach the cluster at {address}: no gateway answered within {limit.TotalSeconds:0} s",
        _ => $"cannot reach the cluster at {address}: {e.Message}",
    };

    private static IPEndPoint[] ParseGateways(string address)
    {
        var parts = address.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new UsageException("--cluster needs host:port of at least one gateway");
        }
        return parts.Select(p =>
        {
            var colon = p.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(p[(colon + 1)..], out var port))
            {
                throw new UsageException($"--cluster: '{p}' is not host:port");
            }
            var host = p[..colon];
            var ip = IPAddress.TryParse(host, out var parsed) ? parsed
                : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                  ?? throw new UsageException($"--cluster: cannot resolve '{host}'");
            return new IPEndPoint(ip, port);
        }).ToArray();
    }

    private static void QuietLogging(HostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
    }


    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
