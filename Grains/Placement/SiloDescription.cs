namespace Countercurrent.Grains.Placement;

/// <summary>A silo as placement sees it: its name, its Orleans address (as text) and the devices it offers.</summary>
public sealed record SiloDescription(string Name, string Address, string[] Devices, int Cores);
