using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Contracts.Grains;

/// <summary>What a layer grain needs to build its layer: the job's spec, the whole chain (rules of its neighbours matter), its index and device.</summary>
[GenerateSerializer, Immutable, Alias("cc.LayerSetup")]
public sealed record LayerSetup(
    [property: Id(0)] JobSpec Spec,
    [property: Id(1)] LayerSpec[] Chain,
    [property: Id(2)] int Index,
    [property: Id(3)] string Device)
{
    public LayerSpec Layer => Chain[Index];
    public bool IsTop => Index == Chain.Length - 1;
}
