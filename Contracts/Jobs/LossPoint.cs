namespace Countercurrent.Contracts.Jobs;

/// <summary>Mean local loss of each layer over the training steps up to <see cref="Step"/> since the previous point (NaN: the layer has no loss).</summary>
[GenerateSerializer, Immutable, Alias("cc.LossPoint")]
public sealed record LossPoint([property: Id(0)] long Step, [property: Id(1)] float[] Losses);
