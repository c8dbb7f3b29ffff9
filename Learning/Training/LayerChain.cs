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
        report = Route(0, Layers[0].Forward(batch), report);
        if (targets is not null)
        {
            report = Route(Layers.Count - 1, Layers[^1].Feedback(targets), report);
        }
        return report;
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
            report = Route(from + 1, Layers[from + 1].Forward(output.Up), report);
        }
        if (output.Down is not null)
        {
            FeedbackSignalsRouted++;
            report = Route(from - 1, Layers[from - 1].Feedback(output.Down), report);
        }
        if (output.Broadcast is not null)
        {
            for (var below = from - 1; below >= 0; below--)
            {
                FeedbackSignalsRouted++;
                report = Route(below, Layers[below].Feedback(output.Broadcast), report);
            }
        }
        return report;
    }
}
