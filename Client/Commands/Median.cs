namespace Countercurrent.Client.Commands;

/// <summary>The middle of a set of figures: what a bench reports, so that one slow interval or round does not move it.</summary>
public static class Median
{
    /// <summary>The median of the figures that could be measured (NaN ones are left out); NaN when there are none.</summary>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
