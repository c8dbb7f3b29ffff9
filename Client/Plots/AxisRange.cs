namespace Countercurrent.Client.Plots;

/// <summary>
/// The limits of a plot axis around a set of values, kept inside what the quantity can be: ScottPlot's own autoscale
/// put a single accuracy point (a one-epoch run) on an axis from -0.3 to 1.9.
/// </summary>
public readonly record struct AxisRange(double Min, double Max)
{
    /// <summary>
    /// The values' span plus 10% on each side (at least <paramref name="minimumSpan"/> in all, centred on a single
    /// value), clamped to [<paramref name="floor"/>, <paramref name="ceiling"/>]; null when there is no finite value.
    /// </summary>
    public static AxisRange? Around(IEnumerable<double> values, double minimumSpan, double floor = double.NegativeInfinity, double ceiling = double.PositiveInfinity)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return null;
        }
        var (low, high) = (finite.Min(), finite.Max());
        var pad = Math.Max((high - low) * 0.1, (minimumSpan - (high - low)) / 2);
        var min = Math.Max(floor, low - pad);
        var max = Math.Min(ceiling, high + pad);
        // Against a ceiling or a floor, the span the clamp took goes to the other side, so a point at 1.0 still gets an axis.
        if (max - min < minimumSpan)
        {
            (min, max) = min <= floor ? (min, Math.Min(ceiling, min + minimumSpan)) : (Math.Max(floor, max - minimumSpan), max);
        }
        return new AxisRange(min, max);
    }
}
