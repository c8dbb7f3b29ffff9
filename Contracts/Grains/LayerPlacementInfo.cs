namespace Countercurrent.Contracts.Grains;

/// <summary>Where a layer grain is active: its silo's name and address, and the device its tensors live on.</summary>
[GenerateSerializer, Immutable, Alias("cc.LayerPlacementInfo")]
public sealed record LayerPlacementInfo(
    [property: Id(0)] string Silo,
    [property: Id(1)] string SiloAddress,
    [property: Id(2)] string Device,
    [property: Id(3)] string Description);
