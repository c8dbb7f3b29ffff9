namespace Countercurrent.Contracts.Jobs;

/// <summary>Why a job failed and, when a layer failed, which layer and step.</summary>
[GenerateSerializer, Immutable, Alias("cc.JobFailure")]
public sealed record JobFailure(
    [property: Id(0)] string Reason,
    [property: Id(1)] int? Layer = null,
    [property: Id(2)] long? Step = null)
{
    public override string ToString() =>
        Layer is { } l ? $"layer {l} failed at step {Step}: {Reason}" : Reason;
}
