using Countercurrent.Contracts.Jobs;
using ScottPlot;

namespace Countercurrent.Client.Plots;

/// <summary>
/// The learning-curve picture of a run: each layer's training loss along the steps (left axis) and the test accuracy
/// after each epoch (right axis), as a PNG.
/// </summary>
public static class LearningCurvePlot
{
    public static string DefaultPath(string jobId) => Path.Combine("runs", jobId, "learning-curve.png");

    public static void Write(string path, string title, LossPoint[] curve, EpochResult[] history, long stepsPerEpoch)
    {
        var plot = Build(title, curve, history, stepsPerEpoch);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1100, 650);
    }

    /// <summary>The plot, with its loss and accuracy axes set from the data (accuracy inside 0..1).</summary>
    public static Plot Build(string title, LossPoint[] curve, EpochResult[] history, long stepsPerEpoch)
    {
        var plot = new Plot();
        var layers = curve.Length > 0 ? curve[0].Losses.Length : 0;
        var losses = new List<double>();
        for (var layer = 0; layer < layers; layer++)
        {
            var points = curve.Where(p => float.IsFinite(p.Losses[layer])).ToArray();
            if (points.Length == 0)
            {
                continue;
            }
            var values = points.Select(p => (double)p.Losses[layer]).ToArray();
            losses.AddRange(values);
            var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), values);
            line.LegendText = $"layer {layer} loss";
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }
        // A loss that is never negative gets no negative axis (the rules' losses are not, but a rule's need not be); a
        // single value, or losses that barely move, get a span of a fifth of their size.
        var lossSpan = losses.Count > 0 && losses.Max(Math.Abs) > 0 ? 0.2 * losses.Max(Math.Abs) : 1;
        var lossFloor = losses.Count > 0 && losses.Min() >= 0 ? 0 : double.NegativeInfinity;
        if (AxisRange.Around(losses, minimumSpan: lossSpan, floor: lossFloor) is { } lossAxis)
        {
            plot.Axes.SetLimitsY(lossAxis.Min, lossAxis.Max, plot.Axes.Left);
        }
        if (history.Length > 0)
        {
            var accuracy = plot.Add.Scatter(
                history.Select(h => (double)h.Epoch * stepsPerEpoch).ToArray(),
                history.Select(h => h.TestAccuracy).ToArray());
            accuracy.LegendText = "test accuracy";
            accuracy.Axes.YAxis = plot.Axes.Right;
            accuracy.MarkerSize = 8;
            accuracy.LineWidth = 2;
            accuracy.LinePattern = LinePattern.Dashed;
            accuracy.Color = Colors.Black;
            plot.Axes.Right.Label.Text = "test accuracy";
            if (AxisRange.Around(history.Select(h => h.TestAccuracy), minimumSpan: 0.1, floor: 0, ceiling: 1) is { } accuracyAxis)
            {
                plot.Axes.SetLimitsY(accuracyAxis.Min, accuracyAxis.Max, plot.Axes.Right);
            }
        }
        plot.Title(title);
        plot.Axes.Left.Label.Text = "training loss (mean per point)";
        plot.Axes.Bottom.Label.Text = "training step";
        plot.ShowLegend(Alignment.UpperCenter);
        return plot;
    }
}
