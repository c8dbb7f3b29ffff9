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

    /// <summary>
    /// Seed for one step's draws from a random stream (negative labels, noise): the same in every process and whatever
    /// order steps arrive in, so nothing about a generator's position has to be checkpointed.
    /// </summary>
    public ulong StepSeed(int stream, long step) => unchecked(Seed(stream) * 6364136223846793005UL + (ulong)step * 1442695040888963407UL + 1);
}
