using System.Diagnostics;

namespace Countercurrent.Client.Commands;

/// <summary>
/// Turns (time, steps done) observations into samples/s figures: the median rate over the intervals after warm-up,
/// so one slow interval (a GC, a JIT) does not move the figure.
/// </summary>
public sealed class ThroughputSampler(int batchSize, long warmupSteps)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(double Seconds, long Steps)> _points = [];

    public void Observe(long stepsDone)
    {
        if (stepsDone >= warmupSteps && (_points.Count == 0 || stepsDone > _points[^1].Steps))
        {
            _points.Add((_clock.Elapsed.TotalSeconds, stepsDone));
        }
    }

    public int Intervals => Math.Max(0, _points.Count - 1);

    /// <summary>Whether the first observation after warm-up was made.</summary>
    public bool Started => _points.Count > 0;

    /// <summary>Median samples/s over the observed intervals (NaN when there were fewer than two observations).</summary>
    public double MedianSamplesPerSecond()
    {
        var rates = _points.Zip(_points.Skip(1), (a, b) => (b.Steps - a.Steps) * batchSize / (b.Seconds - a.Seconds));
        return Median.Of(rates);
    }
}
