namespace Countercurrent.Grains.Placement;

/// <summary>Where one layer is to run.</summary>
public sealed record PlannedLayer(int Layer, SiloDescription Silo, string Device);
