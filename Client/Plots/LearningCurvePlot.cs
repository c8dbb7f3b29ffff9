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
        var plot = new Plot();
        var layers = curve.Length > 0 ? curve[0].Losses.Length : 0;
        for (var layer = 0; layer < layers; layer++)
        {
            var points = curve.Where(p => float.IsFinite(p.Losses[layer])).ToArray();
            if (points.Length == 0)
            {
                continue;
            }
            var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), points.Select(p => (double)p.Losses[layer]).ToArray());
            line.LegendText = $"layer {layer} loss";
            line.MarkerSize = 0;
            line.LineWidth = 2;
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
        }
        plot.Title(title);
        plot.Axes.Left.Label.Text = "training loss (mean per point)";
        plot.Axes.Bottom.Label.Text = "training step";
        plot.ShowLegend(Alignment.UpperCenter);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1100, 650);
    }
}
