using Countercurrent.Client.Processes;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>The real Silo program, started as its own process on loopback with Redis membership.</summary>
public sealed class SiloProcess : IDisposable
{
    private SiloProcess(ChildProcess process, string name, int siloPort, int gatewayPort)
    {
        Process = process;
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public ChildProcess Process { get; }
    public string Name { get; }
    public int SiloPort { get; }
    public int GatewayPort { get; }

    public static SiloProcess Start(string name, string redis, int torchThreads = 1, int? siloPort = null, int? gatewayPort = null)
    {
        var silo = siloPort ?? FreePort.Next();
        var gateway = gatewayPort ?? FreePort.Next();
        var dll = Path.Combine(AppContext.BaseDirectory, "Countercurrent.Silo.dll");
        var process = new ChildProcess(name, "dotnet",
        [
            dll,
            $"--Silo:Name={name}",
            "--Silo:Clustering=redis",
            $"--Silo:Redis={redis}",
            $"--Silo:SiloPort={silo}",
            $"--Silo:GatewayPort={gateway}",
            $"--Silo:TorchThreads={torchThreads}",
            // Notice a killed silo within a few seconds, so recovery tests stay short.
            "--Silo:ProbeTimeoutSeconds=1",
            "--Silo:MissedProbesLimit=2",
            "--Logging:LogLevel:Default=Warning",
        ],
        new Dictionary<string, string>
        {
            ["DOTNET_gcServer"] = "0",
            // No diagnostic socket or debugger pipes: these silos are killed (kill -9 is what the tests are about),
            // and a killed runtime leaves its files in the temporary folder, three per process and test run.
            ["DOTNET_EnableDiagnostics"] = "0",
        });
        return new SiloProcess(process, name, silo, gateway);
    }

    public void Dispose() => Process.Dispose();
}
