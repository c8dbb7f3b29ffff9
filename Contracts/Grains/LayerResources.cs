using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Contracts.Grains;

/// <summary>What a layer reports about its resources: its process's memory and the payload bytes it sent.</summary>
[GenerateSerializer, Immutable, Alias("cc.LayerResources")]
public sealed record LayerResources([property: Id(0)] ProcessResources Process, [property: Id(1)] long BytesSent);
