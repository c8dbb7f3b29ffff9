namespace Countercurrent.Contracts.Jobs;

/// <summary>
/// What one epoch achieved: mean training loss per layer, test accuracy and loss, throughput, and at its end the memory
/// of every process hosting layers and the payload bytes the layers sent during it. Validation accuracy and loss are
/// null when the job holds out no validation set.
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.EpochResult")]
public sealed record EpochResult(
    [property: Id(0)] int Epoch,
    [property: Id(1)] float[] LayerLosses,
    [property: Id(2)] double TestAccuracy,
    [property: Id(3)] double TestLoss,
    [property: Id(4)] double SamplesPerSecond,
    [property: Id(5)] double Seconds,
    [property: Id(6)] ProcessResources[]? Resources = null,
    [property: Id(7)] long BytesSent = 0,
    [property: Id(8)] double? ValidationAccuracy = null,
    [property: Id(9)] double? ValidationLoss = null);
