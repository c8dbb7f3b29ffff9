using Countercurrent.Client.Plots;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Client;

/// <summary>The learning-curve plot's axes: accuracy inside 0..1, loss not below 0, also for a single point.</summary>
public sealed class LearningCurvePlotTests
{
    [Fact]
    public void A_one_epoch_run_has_its_accuracy_axis_inside_0_to_1_and_its_loss_axis_not_below_0()
    {
        // One epoch of 50 steps: one loss point per layer and one accuracy point (a picture of such a run had its
        // accuracy axis from -0.3 to 1.9).
        var curve = new[] { new LossPoint(50, [0.9f, 0.6f]) };
        var history = new[] { new EpochResult(1, [0.9f, 0.6f], TestAccuracy: 0.78, TestLoss: 0.6, SamplesPerSecond: 1000, Seconds: 3) };

        var plot = LearningCurvePlot.Build("one epoch", curve, history, stepsPerEpoch: 50);
        // Limits are final only once drawn: ScottPlot autoscales the axes nobody set when it renders.
        plot.GetImage(400, 300);

        var accuracy = plot.Axes.Right;
        Assert.InRange(accuracy.Min, 0, 0.78);
        Assert.InRange(accuracy.Max, 0.78, 1);
        Assert.True(accuracy.Max - accuracy.Min >= 0.1, $"accuracy axis {accuracy.Min}..{accuracy.Max}");
        var loss = plot.Axes.Left;
        Assert.InRange(loss.Min, 0, 0.6);
        Assert.InRange(loss.Max, 0.9, 2);
    }

    [Fact]
    public void Accuracy_of_a_whole_run_gets_its_own_span_not_the_whole_0_to_1()
    {
        var history = new[] { 0.81, 0.85, 0.87, 0.88 }
            .Select((a, i) => new EpochResult(i + 1, [0.5f], a, 0.4, 1000, 3))
            .ToArray();

        var plot = LearningCurvePlot.Build("four epochs", [new LossPoint(100, [0.5f]), new LossPoint(400, [0.3f])], history, stepsPerEpoch: 100);
        plot.GetImage(400, 300);

        Assert.InRange(plot.Axes.Right.Min, 0.79, 0.81);
        Assert.InRange(plot.Axes.Right.Max, 0.88, 0.9);
    }

    [Theory]
    [InlineData(0.8, 0.75, 0.85)]
    [InlineData(1.0, 0.9, 1.0)]
    [InlineData(0.0, 0.0, 0.1)]
    [InlineData(0.98, 0.9, 1.0)]
    public void A_single_accuracy_gets_a_span_of_0_1_inside_0_to_1(double value, double min, double max)
    {
        var range = AxisRange.Around([value], minimumSpan: 0.1, floor: 0, ceiling: 1)!.Value;

        Assert.Equal(min, range.Min, 9);
        Assert.Equal(max, range.Max, 9);
    }

    [Fact]
    public void Values_are_padded_by_a_tenth_of_their_span_and_non_finite_ones_are_left_out()
    {
        var range = AxisRange.Around([2.0, double.NaN, 1.0, double.PositiveInfinity], minimumSpan: 0.1)!.Value;

        Assert.Equal(0.9, range.Min, 9);
        Assert.Equal(2.1, range.Max, 9);
        Assert.Null(AxisRange.Around([double.NaN], minimumSpan: 0.1));
    }
}
