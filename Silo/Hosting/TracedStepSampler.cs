using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Countercurrent.Silo.Hosting;

/// <summary>
/// Records a trace only where Countercurrent starts one on purpose: a traced training step (or a checkpoint), and
/// everything under it, here or in another process. Every other root (Orleans' own grain calls, status polls) is
/// dropped, so untraced steps cost nothing beyond the sampling check.
/// </summary>
public sealed class TracedStepSampler : Sampler
{
    public static readonly HashSet<string> RootSpans = ["step", "checkpoint"];

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        if (parameters.ParentContext.TraceId != default)
        {
            return new SamplingResult((parameters.ParentContext.TraceFlags & ActivityTraceFlags.Recorded) != 0);
        }
        return new SamplingResult(RootSpans.Contains(parameters.Name));
    }
}
