namespace Countercurrent.Grains.Layers;

/// <summary>
/// A dedicated thread on which one layer does all its tensor work, one work item at a time, in the order given: a lease
/// of one of the silo's <see cref="TensorThreadPool"/>, so that threads outlive jobs.
/// <para>
/// Grain turns run on whatever thread-pool thread is free, and every new thread that enters libtorch becomes the
/// master of its own OpenMP team. Measured here with the 784-1024-1024-10 MLP and 2 torch threads, that cost the
/// embedded silo ~10% against in-process training, while with 1 torch thread the two were equal. One long-lived thread
/// per layer keeps one warm team per layer (<see cref="TensorThreadLoop"/> runs the items). On a CPU layer each work item first takes cores from the silo's
/// <see cref="CoreBudget"/> and runs with that many intra-op threads. Each work item is synchronous and holds its own dispose scope, so nothing
/// thread-static (dispose scopes, grad mode) ever spans an await.
/// </para>
/// <para>
/// A work item may hand its result back before it is done (<see cref="RunWithFollowUp{T}(Func{HandOver{T}}, bool)"/>): the caller goes on
/// with the result while the thread runs the item's follow-up, before any later item, on one core the budget gives
/// follow-ups.
/// </para>
/// </summary>
public sealed class TensorThread : IDisposable
{
    private readonly TensorThreadLoop _loop;
    private readonly CoreBudget? _cores;
    private readonly string _name;
    private readonly TensorThreadPool _pool;
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>A lease of one of <paramref name="pool"/>'s threads (<see cref="TensorThreadPool.Rent"/>), given back by <see cref="Dispose"/>.</summary>
    /// <param name="cores">The silo's budget the work items share (a CPU layer), or null (work on an accelerator).</param>
    internal TensorThread(string name, CoreBudget? cores, TensorThreadLoop loop, TensorThreadPool pool)
    {
        _loop = loop;
        _cores = cores;
        _name = name;
        _pool = pool;
        // Index first: Linux keeps 15 characters of a thread's name, and top or perf should tell the layers apart.
        loop.Post(() =>
        {
            Thread.CurrentThread.Name = name;
            return new Done(() => { }, null);
        }, null);
    }

    /// <summary>Runs <paramref name="work"/> on the thread; the task completes (on the caller's scheduler when awaited) with its result or exception.</summary>
    public Task<T> Run<T>(Func<T> work) => RunWithFollowUp(() => new HandOver<T>(work(), null));

    /// <summary>
    /// Runs <paramref name="work"/> on the thread and completes the task with its result as soon as it returns (and the
    /// item's cores are given back); then runs the follow-up it returned, if any, before the next work item. A
    /// follow-up must not throw (the thread would end): it catches its own failures and reports them through later work.
    /// Fails with <see cref="ObjectDisposedException"/> once this thread (or lease) was disposed.
    /// </summary>
    /// <param name="continueHere">
    /// Let the task's continuations run on this thread, before the follow-up, when their awaiter has no scheduler of its
    /// own (<c>ConfigureAwait(false)</c>): a layer's hand-over to a co-located neighbour (<see cref="LayerWorker"/>) goes on
    /// from here, posts to the neighbour's thread and returns, with no thread-pool hop in between. Such a continuation
    /// must never block (it would hold up this layer); a grain turn's continuation goes to its activation regardless.
    /// </param>
    public Task<T> RunWithFollowUp<T>(Func<HandOver<T>> work, bool continueHere = false)
    {
        var done = new TaskCompletionSource<T>(continueHere ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        // The caller's context flows with the work, so a sampled step's current span parents the spans made inside.
        var context = ExecutionContext.Capture();
        Func<Done> item = () =>
        {
            try
            {
                var handOver = context is null ? work() : RunIn(context, work);
                var followUp = handOver.FollowUp;
                return new Done(() => done.SetResult(handOver.Result),
                    followUp is null || context is null ? followUp : () => RunIn(context, followUp));
            }
            catch (Exception e)
            {
                return new Done(() => done.SetException(e), null);
            }
        };
        try
        {
            // Under the lease's lock, so that nothing is queued after the lease gave its thread back.
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, _name);
                _loop.Post(item, _cores);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return Task.FromException<T>(new ObjectDisposedException(_name));
        }
        return done.Task;
    }

    private static T RunIn<T>(ExecutionContext context, Func<T> work)
    {
        T result = default!;
        ExecutionContext.Run(context, _ => result = work(), null);
        return result;
    }

    private static void RunIn(ExecutionContext context, Action work) => ExecutionContext.Run(context, _ => work(), null);

    /// <summary>
    /// Lets queued work finish, then gives the thread back to its pool; work handed in afterwards fails with
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            var pool = _pool;
            var loop = _loop;
            _loop.Post(() =>
            {
                pool.GiveBack(loop);
                return new Done(() => { }, null);
            }, null);
        }
    }
}

/// <summary>What a work item hands back at once, and the work it goes on with on the same thread afterwards.</summary>
public readonly record struct HandOver<T>(T Result, Action? FollowUp);
