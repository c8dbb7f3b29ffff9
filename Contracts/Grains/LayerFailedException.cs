namespace Countercurrent.Contracts.Grains;

/// <summary>A layer failed while handling a step's signal. Travels back along the call chain to the job unchanged.</summary>
[GenerateSerializer, Alias("cc.LayerFailedException")]
public sealed class LayerFailedException : Exception
{
    public LayerFailedException(int layer, long step, string reason, bool stateLost = false) : base($"layer {layer} failed at step {step}: {reason}")
    {
        Layer = layer;
        Step = step;
        Reason = reason;
        StateLost = stateLost;
    }

    [Id(0)] public int Layer { get; }
    [Id(1)] public long Step { get; }
    [Id(2)] public string Reason { get; }

    /// <summary>The layer lost its state (its silo died and it was reactivated elsewhere): the job can recover from a checkpoint.</summary>
    [Id(3)] public bool StateLost { get; }
}
