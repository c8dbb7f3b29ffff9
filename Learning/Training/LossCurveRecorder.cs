using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;

namespace Countercurrent.Learning.Training;

/// <summary>
/// Condenses per-step losses into a learning curve: every <c>interval</c> steps, one point with each layer's mean loss
/// over those steps. About twenty points per epoch keep a long run's status small.
/// </summary>
public sealed class LossCurveRecorder(int layers, long stepsPerEpoch)
{
    public const int PointsPerEpoch = 20;

    private readonly long _interval = Math.Max(1, stepsPerEpoch / PointsPerEpoch);
    private readonly LossAverager _window = new(layers);
    private long _steps;

    /// <summary>Adds one finished step; returns a point when the interval is complete.</summary>
    public LossPoint? Add(long stepsDone, IEnumerable<LayerLoss> losses)
    {
        _window.Add(losses);
        if (++_steps < _interval)
        {
            return null;
        }
        var point = new LossPoint(stepsDone, _window.Means());
        _window.Reset();
        _steps = 0;
        return point;
    }
}
