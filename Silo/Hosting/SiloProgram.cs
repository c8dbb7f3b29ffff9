using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Countercurrent.Silo.Hosting;

/// <summary>
/// The silo program: builds the host from the command line, appsettings.json and environment, and runs it until stopped.
/// A refused setting, a taken port or an unreachable Redis ends it with one line on stderr and an exit code
/// (<see cref="SiloExitCodes"/>, README "Running a cluster"), not an unhandled exception; any other failure keeps its
/// stack trace.
/// </summary>
public static class SiloProgram
{
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        // Settings are read once, at start: no reloading on change. With the host's default, the silo watched its working
        // folder and every folder under it (inotify, one watch per folder: 103 for a folder of 50 with a subfolder each) for a
        // change to appsettings.json, and woke for every file written anywhere below it, checkpoints included.
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
        SiloOptions? options = null;
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, Configuration = configuration });
            builder.AddCountercurrentSilo();
            using var host = builder.Build();
            options = host.Services.GetRequiredService<IOptions<SiloOptions>>().Value;
            await RedisReachability.Check(options);
            await host.RunAsync();
            return SiloExitCodes.Stopped;
        }
        catch (SiloSettingsException e)
        {
            foreach (var line in e.Message.Split(Environment.NewLine))
            {
                error.WriteLine($"error: {line}");
            }
            return SiloExitCodes.SettingRefused;
        }
        catch (RedisUnreachableException e)
        {
            error.WriteLine($"error: {e.Message}");
            return SiloExitCodes.RedisUnreachable;
        }
        catch (RedisConnectionException e) when (options is not null)
        {
            // Redis answered the check above but not Orleans' providers a moment later.
            error.WriteLine($"error: {RedisReachability.Unreachable(options.Redis, e).Message}");
            return SiloExitCodes.RedisUnreachable;
        }
        catch (Exception e) when (options is not null && e.GetBaseException() is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            var signal = options.SignalPort != 0 ? $", Silo:SignalPort {options.SignalPort}" : "";
            error.WriteLine($"error: Silo:SiloPort {options.SiloPort}{signal} or Silo:GatewayPort {options.GatewayPort} is in use on this machine (another silo?); choose free ports");
            return SiloExitCodes.SettingRefused;
        }
        catch (OperationCanceledException)
        {
            // Stopped (SIGTERM, Ctrl+C) while it was still starting.
            return SiloExitCodes.Stopped;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: the silo failed: {e}");
            return SiloExitCodes.Failed;
        }
    }
}
