using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Rules;

namespace Countercurrent.Learning.Training;

/// <summary>
/// Routes signals between the layers of one process, synchronously and in the order the grains route them: a
/// layer's forward signal goes to the layer above, its feedback to the layer below, a broadcast to every layer below.
/// The baseline the layer grains must match.
/// </summary>
public sealed class LayerChain(IReadOnlyList<Layer> layers)
{
    public IReadOnlyList<Layer> Layers { get; } = layers;

    /// <summary>Forward signals delivered to a layer above, since this chain was made.</summary>
    public long ForwardSignalsRouted { get; private set; }

    /// <summary>
    /// Feedback signals delivered to a layer below (a broadcast counts once per receiving layer), since this chain was
    /// made. Zero for a chain of rules that learn without feedback.
    /// </summary>
    public long FeedbackSignalsRouted { get; private set; }

    /// <summary>Sends a batch into layer 0 (and, for rules that start a feedback stream, the targets into the top) and returns what the layers reported.</summary>
    public StepReport Run(ForwardBatch batch, FeedbackBatch? targets = null)
    {
        var report = StepReport.Empty(batch.Step);
        report = Route(0, Forward(0, batch), report);
        if (targets is not null)
        {
            report = Route(Layers.Count - 1, Feedback(Layers.Count - 1, targets), report);
        }
        return report;
    }

    /// <summary>A layer's forward call; the update it leaves pending is applied at once, as nothing runs beside it here.</summary>
    private RuleOutput Forward(int layer, ForwardBatch batch)
    {
        var output = Layers[layer].Forward(batch);
        Layers[layer].ApplyPendingUpdate();
        return output;
    }

    private RuleOutput Feedback(int layer, FeedbackBatch feedback)
    {
        var output = Layers[layer].Feedback(feedback);
        Layers[layer].ApplyPendingUpdate();
        return output;
    }

    private StepReport Route(int from, RuleOutput output, StepReport report)
    {
        report = report.With(output.Loss is { } loss ? new LayerLoss(from, loss) : null);
        if (output.Eval is not null)
        {
            report = report with { Eval = output.Eval };
        }
        if (output.Up is not null)
        {
            ForwardSignalsRouted++;
            report = Route(from + 1, Forward(from + 1, output.Up), report);
        }
        if (output.Down is not null)
        {
            FeedbackSignalsRouted++;
            report = Route(from - 1, Feedback(from - 1, output.Down), report);
        }
        if (output.Broadcast is not null)
        {
            for (var below = from - 1; below >= 0; below--)
            {
                FeedbackSignalsRouted++;
                report = Route(below, Feedback(below, output.Broadcast), report);
            }
        }
        return report;
    }
}
