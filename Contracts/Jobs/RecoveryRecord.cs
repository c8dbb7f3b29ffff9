namespace Countercurrent.Contracts.Jobs;

/// <summary>What one recovery did: why, from which checkpoint, which layers moved, and how many steps are run again.</summary>
[GenerateSerializer, Immutable, Alias("cc.RecoveryRecord")]
public sealed record RecoveryRecord(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Reason,
    [property: Id(2)] long FromCheckpoint,
    [property: Id(3)] LayerMove[] MovedLayers,
    [property: Id(4)] long StepsReplayed);
