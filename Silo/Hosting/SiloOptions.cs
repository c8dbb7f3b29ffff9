namespace Countercurrent.Silo.Hosting;

/// <summary>
/// How a silo joins its cluster and what it offers, from configuration section "Silo" (appsettings.json, environment
/// variables <c>Silo__Name</c>, or <c>--Silo:Name=...</c> on the command line).
/// </summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";

    /// <summary>Name used to pin layers to this silo; default: the pod name under Kubernetes, else host name and silo port.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// <c>localhost</c>: silos on one machine, the first one (PrimarySiloPort) is the membership authority; development only.
    /// <c>redis</c>: membership in Redis (<see cref="Redis"/>), for several processes or machines.
    /// <c>kubernetes</c>: Redis membership plus Orleans' Kubernetes hosting (pod name, IP and cluster ids from the pod).
    /// </summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary>Redis connection string for redis and kubernetes clustering, e.g. 127.0.0.1:6379.</summary>
    public string Redis { get; set; } = "127.0.0.1:6379";

    /// <summary>Address other silos and clients reach this silo at (redis clustering); Kubernetes hosting uses the pod IP.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port (11111 + k for the k-th silo on one machine).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients connect to (30000 + k for the k-th silo on one machine).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>localhost clustering: silo port of the primary silo (the first one started).</summary>
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>Devices this silo offers to layers: cpu, cuda:0, ...</summary>
    public string[] Devices { get; set; } = ["cpu"];

    /// <summary>Cores for tensor work in this silo (0: all cores): the budget its CPU layers share, and the most intra-op threads one work item uses. Several silos on one machine should split the cores.</summary>
    public int TorchThreads { get; set; }

    /// <summary>Where job status is persisted: <c>memory</c> (lost with the silo) or <c>redis</c>; empty: redis under redis or kubernetes clustering, else memory.</summary>
    public string Storage { get; set; } = "";

    /// <summary>Where layers write checkpoints: <c>folder</c> (<see cref="CheckpointFolder"/>) or <c>redis</c>; empty: redis under redis or kubernetes clustering, else folder.</summary>
    public string Checkpoints { get; set; } = "";

    /// <summary>Folder for folder checkpoints.</summary>
    public string CheckpointFolder { get; set; } = Path.Combine("runs", "checkpoints");

    /// <summary>
    /// Whether a layer hands its signals straight to a neighbouring layer active on the same silo (thread to thread) rather
    /// than through an Orleans grain call; layers on other silos always get grain calls. Off only to measure the difference.
    /// </summary>
    public bool DirectHandOver { get; set; } = true;

    /// <summary>
    /// Whether layers send signals to neighbours on other silos over signal links (one connection per pair of silos,
    /// outside Orleans' messaging) rather than grain calls. Off only to measure the difference.
    /// </summary>
    public bool SignalLinks { get; set; } = true;

    /// <summary>Port this silo takes signals from other silos on, at its advertised address (0: any free port; set one where a firewall needs it).</summary>
    public int SignalPort { get; set; }

    /// <summary>How long a silo waits for a probe answer before counting it missed; with <see cref="MissedProbesLimit"/>, how fast a dead silo is noticed.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 5;

    public int MissedProbesLimit { get; set; } = 3;

    public string ClusterId { get; set; } = "countercurrent";
    public string ServiceId { get; set; } = "countercurrent";

    public bool SharedStores => Clustering is "redis" or "kubernetes";

    public string EffectiveStorage => Storage.Length > 0 ? Storage : SharedStores ? "redis" : "memory";

    /// <summary>Whether anything of this silo lives in Redis: membership, job state or checkpoints.</summary>
    public bool UsesRedis => SharedStores || EffectiveStorage == "redis" || EffectiveCheckpoints == "redis";

    public string EffectiveCheckpoints => Checkpoints.Length > 0 ? Checkpoints : SharedStores ? "redis" : "folder";
}
