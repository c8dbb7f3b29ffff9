namespace Countercurrent.Silo.Hosting;

/// <summary>
/// How a silo joins its cluster and what it offers, from configuration section "Silo" (appsettings, environment
/// variables <c>Silo__Name</c>..., or <c>--Silo:Name=...</c> on the command line).
/// </summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";

    /// <summary>Name used to pin layers to this silo; default: the machine name and silo port.</summary>
    public string Name { get; set; } = "";

    /// <summary>localhost (one machine, development) for now.</summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary>Silo-to-silo port (11111 + k for the k-th silo on one machine).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>localhost clustering: silo port of the primary silo (the first one started).</summary>
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>Devices this silo offers to layers: cpu, cuda:0, ...</summary>
    public string[] Devices { get; set; } = ["cpu"];

    /// <summary>Intra-op threads for TorchSharp in this process (0: all cores). Several silos on one machine should split the cores.</summary>
    public int TorchThreads { get; set; }

    public string ClusterId { get; set; } = "countercurrent";
    public string ServiceId { get; set; } = "countercurrent";
}
