namespace Countercurrent.Contracts.Jobs;

/// <summary>
/// A committed checkpoint: every layer wrote its state under <see cref="Id"/>, taken when the job had finished
/// <see cref="Epoch"/> epochs and <see cref="StepInEpoch"/> steps of the next (no step in flight). A restore rewinds the
/// job's position, history and learning curve to these lengths. A mid-epoch checkpoint also holds the epoch's tallies so
/// far (<see cref="EpochSoFar"/>; null at an epoch's start).
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.CheckpointInfo")]
public sealed record CheckpointInfo(
    [property: Id(0)] long Id,
    [property: Id(1)] int Epoch,
    [property: Id(2)] long StepInEpoch,
    [property: Id(3)] long StepsDone,
    [property: Id(4)] int HistoryLength,
    [property: Id(5)] int LossCurveLength,
    [property: Id(6)] DateTimeOffset TakenAt,
    [property: Id(7)] EpochProgress? EpochSoFar = null);
