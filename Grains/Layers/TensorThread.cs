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
/// <para>
/// A work item may hand its result back before it is done (<see cref="Run{T}(Func{HandOver{T}})"/>): the caller goes on
/// with the result while the thread runs the item's follow-up, before any later item, on one core the budget gives
/// follow-ups.
/// </para>
/// </summary>
public sealed class TensorThread : IDisposable
{
    private readonly BlockingCollection<Func<Action?>> _work = new();
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
    public Task<T> Run<T>(Func<T> work) => Run(() => new HandOver<T>(work(), null));

    /// <summary>
    /// Runs <paramref name="work"/> on the thread and completes the task with its result as soon as it returns; then runs
    /// the follow-up it returned, if any, before the next work item. A follow-up must not throw (the thread would end):
    /// it catches its own failures and reports them through later work.
    /// </summary>
    public Task<T> Run<T>(Func<HandOver<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The caller's context flows with the work, so a sampled step's current span parents the spans made inside.
        var context = ExecutionContext.Capture();
        _work.Add(() =>
        {
            try
            {
                var handOver = context is null ? work() : RunIn(context, work);
                done.SetResult(handOver.Result);
                var followUp = handOver.FollowUp;
                return followUp is null || context is null ? followUp : () => RunIn(context, followUp);
            }
            catch (Exception e)
            {
                done.SetException(e);
                return null;
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

    private static void RunIn(ExecutionContext context, Action work) => ExecutionContext.Run(context, _ => work(), null);

    private void Loop()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            if (_cores is null)
            {
                item()?.Invoke();
                continue;
            }
            Action? followUp;
            var width = _cores.Take();
            try
            {
                SetWidth(width);
                followUp = item();
            }
            finally
            {
                _cores.Give(width);
            }
            if (followUp is null)
            {
                continue;
            }
            _cores.TakeForFollowUp();
            try
            {
                SetWidth(1);
                followUp();
            }
            finally
            {
                _cores.GiveFromFollowUp();
            }
        }
        _work.Dispose();
    }

    private void SetWidth(int width)
    {
        if (width != _width)
        {
            TorchRuntime.SetThreadsOfThisThread(width);
            _width = width;
        }
    }

    /// <summary>Lets queued work finish, then ends the thread.</summary>
    public void Dispose() => _work.CompleteAdding();
}

/// <summary>What a work item hands back at once, and the work it goes on with on the same thread afterwards.</summary>
public readonly record struct HandOver<T>(T Result, Action? FollowUp);
