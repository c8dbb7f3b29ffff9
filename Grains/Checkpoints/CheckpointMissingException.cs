namespace Countercurrent.Grains.Checkpoints;

/// <summary>A layer's state for a checkpoint is not in the store.</summary>
[GenerateSerializer, Alias("cc.CheckpointMissingException")]
public sealed class CheckpointMissingException(string message) : Exception(message);
