namespace Countercurrent.Learning.Rules;

/// <summary>A layer could not handle a step's signal; names the layer and the step.</summary>
public sealed class LayerStepException(int layer, long step, string reason, Exception? inner = null)
    : Exception($"layer {layer} failed at step {step}: {reason}", inner)
{
    public int Layer { get; } = layer;
    public long Step { get; } = step;
    public string Reason { get; } = reason;
}
