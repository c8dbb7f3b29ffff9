using System.Collections.Concurrent;
using Countercurrent.Learning;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// A dedicated thread on which one layer does all its tensor work, one work item at a time, in the order given.
/// <para>
/// Grain turns run on whatever thread-pool thread is free, and every new thread that enters libtorch becomes the
/// master of its own OpenMP team. Measured here with the 784-1024-1024-10 MLP and 2 torch threads, that cost the
/// embedded silo ~10% against in-process training, while with 1 torch thread the two were equal. One long-lived thread
/// per layer keeps one warm team per layer. On a CPU layer each work item first takes cores from the silo's
/// <see cref="CoreBudget"/> and runs with that many intra-op threads. Each work item is synchronous and holds its own dispose scope, so nothing
/// thread-static (dispose scopes, grad mode) ever spans an await.
/// </para>
/// </summary>
public sealed class TensorThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly CoreBudget? _cores;
    private int _width;

    /// <param name="cores">The silo's budget the work items share (a CPU layer), or null (work on an accelerator).</param>
    public TensorThread(string name, CoreBudget? cores)
    {
        _cores = cores;
        var thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the thread; the task completes (on the caller's scheduler when awaited) with its result or exception.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The caller's context flows with the work, so a sampled step's current span parents the spans made inside.
        var context = ExecutionContext.Capture();
        _work.Add(() =>
        {
            try
            {
                done.SetResult(context is null ? work() : RunIn(context, work));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    private static T RunIn<T>(ExecutionContext context, Func<T> work)
    {
        T result = default!;
        ExecutionContext.Run(context, _ => result = work(), null);
        return result;
    }

    private void Loop()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            if (_cores is null)
            {
                item();
                continue;
            }
            var width = _cores.Take();
            try
            {
                if (width != _width)
                {
                    TorchRuntime.SetThreadsOfThisThread(width);
                    _width = width;
                }
                item();
            }
            finally
            {
                _cores.Give(width);
            }
        }
        _work.Dispose();
    }

    /// <summary>Lets queued work finish, then ends the thread.</summary>
    public void Dispose() => _work.CompleteAdding();
}
