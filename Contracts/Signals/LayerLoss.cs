namespace Countercurrent.Contracts.Signals;

/// <summary>The local loss one layer computed for one step.</summary>
[GenerateSerializer, Immutable, Alias("cc.LayerLoss")]
public readonly record struct LayerLoss([property: Id(0)] int Layer, [property: Id(1)] float Loss);
