using Countercurrent.Contracts.Jobs;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>Where a layer sits and what it is built with: the job, the whole chain, its index and its device.</summary>
public sealed record LayerContext(JobSpec Job, LayerSpec[] Chain, int Index, Device Device)
{
    public LayerSpec Layer => Chain[Index];
    public bool IsTop => Index == Chain.Length - 1;
    public bool IsBottom => Index == 0;
    public string? RuleBelow => IsBottom ? null : Chain[Index - 1].Rule;
    public string? RuleAbove => IsTop ? null : Chain[Index + 1].Rule;

    /// <summary>Seed for one of this layer's random streams (weights, feedback matrices, noise, ...).</summary>
    public ulong Seed(int stream) => Layers.ParameterInit.StreamSeed(Job.Seed, Index, stream);
}
