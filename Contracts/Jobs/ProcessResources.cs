namespace Countercurrent.Contracts.Jobs;

/// <summary>Memory of one process that hosts layers (a silo, or the in-process trainer): resident set size and live TorchSharp tensors.</summary>
[GenerateSerializer, Immutable, Alias("cc.ProcessResources")]
public sealed record ProcessResources(
    [property: Id(0)] string Process,
    [property: Id(1)] double RssMiB,
    [property: Id(2)] long LiveTensors);
