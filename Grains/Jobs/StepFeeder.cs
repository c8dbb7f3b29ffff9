using System.Diagnostics;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Contracts.Grains;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Telemetry;
using Countercurrent.Learning.Tensors;
using Countercurrent.Learning.Training;

namespace Countercurrent.Grains.Jobs;

/// <summary>
/// Turns batches into the calls that start a step: the batch into layer 0 and, when the top rule's feedback stream
/// starts from the targets, the labels into the top layer, both at once. Builds payloads straight from the dataset's
/// floats with no tensor in between: the job does bookkeeping, not math.
/// </summary>
public sealed class StepFeeder(JobSpec spec, LayerSpec[] chain, ILayerGrain[] layers)
{
    private readonly bool _targetsAtTop = StepStart.NeedsTargets(chain[^1].Rule);
    private readonly bool _sendInput = RuleCatalog.NeedsRawInput(chain);

    /// <summary>
    /// Runs one training step through the layers. One step in <c>TraceEvery</c> is traced: it starts a "step" span
    /// whose context travels with the calls, so every layer's spans join the same trace.
    /// </summary>
    public async Task<StepReport> Train(long step, Dataset data, int[] indices)
    {
        var tags = new TagList { { CountercurrentTelemetry.Tags.Job, spec.JobId } };
        Activity.Current = null; // each traced step is a trace of its own (this flow's change does not reach the caller)
        using var span = spec.TraceEvery > 0 && step % spec.TraceEvery == 0
            ? CountercurrentTelemetry.Source.StartActivity("step")
            : null;
        span?.SetTag(CountercurrentTelemetry.Tags.Job, spec.JobId).SetTag(CountercurrentTelemetry.Tags.Step, step);
        var started = Stopwatch.GetTimestamp();
        CountercurrentTelemetry.StepsInFlight.Add(1, tags);
        try
        {
            var (images, labels) = Payloads(data, indices, PayloadBufferPool.Shared);
            var forward = layers[0].Forward(new ForwardSignal(spec.JobId, step, Phase.Train, images, labels, _sendInput ? images : null));
            var report = _targetsAtTop
                ? StepReport.Merge(step, await Task.WhenAll(forward, layers[^1].Feedback(new FeedbackSignal(spec.JobId, step, FeedbackKind.Targets, labels, chain.Length))))
                : await forward;
            // The step is done everywhere: no layer still reads the batch (see PayloadBufferPool).
            PayloadBufferPool.Shared.Return(images.Data);
            PayloadBufferPool.Shared.Return(labels.Data);
            CountercurrentTelemetry.SamplesTrained.Add(indices.Length, tags);
            CountercurrentTelemetry.StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
            return report;
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        finally
        {
            CountercurrentTelemetry.StepsInFlight.Add(-1, tags);
        }
    }

    /// <summary>
    /// Accuracy and loss on (the first <paramref name="maxSamples"/> of) a dataset, StepsInFlight batches at a time.
    /// Batch b carries the step number the in-process trainer gives it (<see cref="EvalSteps"/>: -1-b for the test set,
    /// a range far below for the validation set), so rules that draw noise per step (NoProp's inference starts from
    /// noise) evaluate identically in both, and a validation batch never shares a step number with a test batch. The
    /// window is drained before this returns, so one evaluation never overlaps the next.
    /// </summary>
    public async Task<EvalTally> Evaluate(Dataset data, int maxSamples, bool validation = false)
    {
        var order = new BatchOrder(data.Count, spec.BatchSize, 0, 0, shuffle: false);
        var batches = maxSamples > 0 ? Math.Min(order.StepCount, (maxSamples + spec.BatchSize - 1) / spec.BatchSize) : order.StepCount;
        var window = new StepWindow(spec.StepsInFlight);
        var tally = new EvalTally(0, 0, 0);
        for (var b = 0; b < batches; b++)
        {
            var indices = order.Batch(b);
            if (maxSamples > 0)
            {
                indices = indices[..Math.Min(indices.Length, maxSamples - b * spec.BatchSize)];
            }
            var (images, labels) = Payloads(data, indices.ToArray());
            var signal = new ForwardSignal(spec.JobId, EvalSteps.For(validation, b), Phase.Eval, images, labels, _sendInput ? images : null);
            foreach (var report in await window.Start(() => layers[0].Forward(signal)))
            {
                tally += report.Eval!;
            }
        }
        foreach (var report in await window.Drain())
        {
            tally += report.Eval!;
        }
        return tally;
    }

    private static (TensorPayload Images, TensorPayload Labels) Payloads(Dataset data, int[] indices, PayloadBufferPool? pool = null)
    {
        var (images, labels) = data.BatchBytes(indices, pool);
        return (new TensorPayload(data.BatchShape(indices.Length), TensorElementType.Float32, images),
                new TensorPayload([indices.Length], TensorElementType.Int64, labels));
    }

}
