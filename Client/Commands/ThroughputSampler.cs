using System.Diagnostics;

namespace Countercurrent.Client.Commands;

/// <summary>
/// Turns (time, steps done) observations into samples/s figures: the median rate over the intervals after warm-up,
/// so one slow interval (a GC, a JIT) does not move the figure.
/// <para>
/// Intervals that take in an epoch's end are left out (unless no other is left): what runs there differs by mode (a job
/// on silos evaluates and writes a checkpoint, the in-process bench reads memory), and with short epochs such intervals
/// were a third of all and moved the median: the embedded silo's backprop came out at 0.74 of in process with 100-step
/// epochs against 0.84-0.87 with 400-step ones.
/// </para>
/// </summary>
public sealed class ThroughputSampler(int batchSize, long warmupSteps, long stepsPerEpoch)
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

    /// <summary>Whether the first observation after warm-up was made.</summary>
    public bool Started => _points.Count > 0;

    /// <summary>How many intervals the figure is the median of.</summary>
    public int Intervals => Measured().Count;

    /// <summary>Median samples/s over the measured intervals (NaN when there were fewer than two observations).</summary>
    public double MedianSamplesPerSecond() => Median.Of(Measured().Select(i => (i.To.Steps - i.From.Steps) * batchSize / (i.To.Seconds - i.From.Seconds)));

    private List<((double Seconds, long Steps) From, (double Seconds, long Steps) To)> Measured()
    {
        var all = _points.Zip(_points.Skip(1)).ToList();
        var within = all.Where(i => !SpansEpochEnd(i.First.Steps, i.Second.Steps)).ToList();
        return within.Count > 0 ? within : all;
    }

    /// <summary>
    /// Whether an interval takes in an epoch's end: the work after an epoch's last step (k·E steps done) falls in the
    /// interval in which steps done goes from k·E to more, so in one that starts at or before k·E and ends after it.
    /// </summary>
    public bool SpansEpochEnd(long fromSteps, long toSteps)
    {
        if (stepsPerEpoch <= 0)
        {
            return false;
        }
        var firstEnd = Math.Max(1, (fromSteps + stepsPerEpoch - 1) / stepsPerEpoch) * stepsPerEpoch;
        return firstEnd < toSteps;
    }
}
