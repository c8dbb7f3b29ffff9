namespace Countercurrent.Contracts.Jobs;

/// <summary>Where a layer runs and how it is doing.</summary>
[GenerateSerializer, Immutable, Alias("cc.LayerStatus")]
public sealed record LayerStatus(
    [property: Id(0)] int Index,
    [property: Id(1)] string Description,
    [property: Id(2)] string Rule,
    [property: Id(3)] string Silo,
    [property: Id(4)] string Device,
    [property: Id(5)] float LastLoss);
