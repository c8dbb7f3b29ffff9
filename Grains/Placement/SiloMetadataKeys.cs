namespace Countercurrent.Grains.Placement;

/// <summary>Keys under which a silo advertises itself in Orleans silo metadata.</summary>
public static class SiloMetadataKeys
{
    public const string Name = "countercurrent.name";
    public const string Devices = "countercurrent.devices";
    public const string Cores = "countercurrent.cores";
}
