using Countercurrent.Contracts.Jobs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Countercurrent.Client.Commands;

/// <summary>
/// The live view of a followed job: progress of the epoch, throughput, steps in flight, a table of the layers with
/// their latest local loss, and the last epochs. Its rows fit an 80-column terminal.
/// </summary>
public static class JobProgressView
{
    private const int BarWidth = 30;

    public static IRenderable Render(JobStatus s)
    {
        var position = s.Position();
        var fraction = position.StepsPerEpoch > 0 ? Math.Clamp((double)position.Step / position.StepsPerEpoch, 0, 1) : 0;
        var filled = (int)Math.Round(fraction * BarWidth);
        var progress = new Markup(
            $"[bold]{Markup.Escape(s.JobId)}[/]  epoch {position.Epoch}/{position.Epochs}  " +
            $"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/] {fraction:P0}");
        var throughput = new Markup(
            $"step {position.Step}/{position.StepsPerEpoch}  {s.SamplesPerSecond:N0} samples/s  in flight {s.StepsInFlight}" +
            (s.Recoveries.Length > 0 ? $"  [yellow]{s.Recoveries.Length} recover{(s.Recoveries.Length == 1 ? "y" : "ies")}[/]" : ""));
        // The description names the layer's rule ("layer 0: linear 784->1024 relu (backprop)"): no column repeats it.
        var layers = new Table().Border(TableBorder.Rounded).AddColumns("layer", "silo / device", "loss");
        foreach (var l in s.Layers)
        {
            layers.AddRow(Markup.Escape(l.Description), Markup.Escape($"{l.Silo} / {l.Device}"), float.IsNaN(l.LastLoss) ? "-" : $"{l.LastLoss:0.0000}");
        }
        var validation = s.Spec?.Validation > 0;
        var history = new Table().Border(TableBorder.Rounded).AddColumns(validation
            ? ["epoch", "validation loss", "test accuracy", "test loss", "samples/s"]
            : ["epoch", "test accuracy", "test loss", "samples/s"]);
        var best = s.Best?.Epoch;
        foreach (var h in s.History.TakeLast(5))
        {
            string[] cells = [$"{h.Epoch}{(h.Epoch == best ? " (best)" : "")}", $"{h.TestAccuracy:0.0000}", $"{h.TestLoss:0.0000}", $"{h.SamplesPerSecond:N0}"];
            history.AddRow(validation ? [cells[0], $"{h.ValidationLoss:0.0000}", .. cells[1..]] : cells);
        }
        return s.History.Length > 0 ? new Rows(progress, throughput, layers, history) : new Rows(progress, throughput, layers);
    }
}
