using Countercurrent.Contracts.Signals;

namespace Countercurrent.Grains.Jobs;

/// <summary>
/// Keeps at most a fixed number of steps in flight. Adding a step first waits for the oldest when the window is full;
/// a failed step's exception surfaces from <see cref="Add"/> or <see cref="Drain"/> after the others have finished,
/// so nothing is left running behind a failure.
/// </summary>
public sealed class StepWindow(int size)
{
    private readonly Queue<Task<StepReport>> _inFlight = new();

    public int Count => _inFlight.Count;

    /// <summary>
    /// Waits until the window has room, then starts a step; returns the reports of the steps that had to finish to
    /// make room. The step is started only once there is room, so no more than the window's size are ever running.
    /// </summary>
    public async Task<IReadOnlyList<StepReport>> Start(Func<Task<StepReport>> step)
    {
        var done = new List<StepReport>();
        while (_inFlight.Count >= size)
        {
            done.Add(await Oldest());
        }
        _inFlight.Enqueue(step());
        return done;
    }

    public async Task<IReadOnlyList<StepReport>> Drain()
    {
        var done = new List<StepReport>();
        while (_inFlight.Count > 0)
        {
            done.Add(await Oldest());
        }
        return done;
    }

    private async Task<StepReport> Oldest()
    {
        var step = _inFlight.Dequeue();
        try
        {
            return await step;
        }
        catch
        {
            // Let every other step finish (or fail) before reporting, so no layer is still busy with this job.
            while (_inFlight.Count > 0)
            {
                try
                {
                    await _inFlight.Dequeue();
                }
                catch
                {
                    // the first failure is the one reported
                }
            }
            throw;
        }
    }
}
