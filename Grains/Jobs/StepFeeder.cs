using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Contracts.Grains;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Rules;

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

    public Task<StepReport> Train(long step, Dataset data, int[] indices)
    {
        var (images, labels) = Payloads(data, indices);
        var forward = layers[0].Forward(new ForwardSignal(spec.JobId, step, Phase.Train, images, labels, _sendInput ? images : null));
        if (!_targetsAtTop)
        {
            return forward;
        }
        var targets = layers[^1].Feedback(new FeedbackSignal(spec.JobId, step, FeedbackKind.Targets, labels, chain.Length));
        return Both(step, forward, targets);
    }

    /// <summary>Accuracy and loss on (the first <paramref name="maxSamples"/> of) a dataset, StepsInFlight batches at a time.</summary>
    public async Task<EvalTally> Evaluate(Dataset data, int maxSamples, long atStep)
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
            var signal = new ForwardSignal(spec.JobId, atStep, Phase.Eval, images, labels, _sendInput ? images : null);
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

    private static (TensorPayload Images, TensorPayload Labels) Payloads(Dataset data, int[] indices)
    {
        var (images, labels) = data.BatchBytes(indices);
        return (new TensorPayload(data.BatchShape(indices.Length), TensorElementType.Float32, images),
                new TensorPayload([indices.Length], TensorElementType.Int64, labels));
    }

    private static async Task<StepReport> Both(long step, Task<StepReport> forward, Task<StepReport> feedback) =>
        StepReport.Merge(step, await Task.WhenAll(forward, feedback));
}
