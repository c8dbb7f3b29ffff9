namespace Countercurrent.Contracts.Jobs;

/// <summary>A layer that a recovery placed on another silo.</summary>
[GenerateSerializer, Immutable, Alias("cc.LayerMove")]
public sealed record LayerMove([property: Id(0)] int Layer, [property: Id(1)] string FromSilo, [property: Id(2)] string ToSilo);
