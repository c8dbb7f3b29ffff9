namespace Countercurrent.Grains.Layers;

/// <summary>
/// A silo's tensor threads, kept from one job to the next: a layer leases one (<see cref="Rent"/>) and gives it back
/// when it is freed, after its queued work. Each job used to make new threads, and glibc's second arena kept what they
/// had freed: a silo process grew by about one model's weights and optimizer state per job (eight one-epoch backprop
/// jobs of the 784-1024-1024-10 MLP: 514 -> 753 MiB). Idle threads beyond <see cref="MaxIdle"/> end.
/// </summary>
public sealed class TensorThreadPool
{
    public const int MaxIdle = 64;

    private readonly Stack<TensorThreadLoop> _idle = new();
    private int _made;

    /// <summary>Threads this pool has started so far (for tests and diagnostics).</summary>
    public int Made => Volatile.Read(ref _made);

    /// <summary>Threads waiting for a lease.</summary>
    public int Idle
    {
        get
        {
            lock (_idle)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>An idle thread, or a new one, leased under <paramref name="name"/> (also the OS thread's name while leased).</summary>
    /// <param name="cores">The silo's budget its work items take cores from (a CPU layer), or null (an accelerator).</param>
    public TensorThread Rent(string name, CoreBudget? cores)
    {
        TensorThreadLoop? loop;
        lock (_idle)
        {
            _idle.TryPop(out loop);
        }
        if (loop is null)
        {
            Interlocked.Increment(ref _made);
            loop = new TensorThreadLoop(name);
        }
        return new TensorThread(name, cores, loop, this);
    }

    /// <summary>On the thread itself, after the last item of its lease.</summary>
    internal void GiveBack(TensorThreadLoop loop)
    {
        lock (_idle)
        {
            if (_idle.Count < MaxIdle)
            {
                _idle.Push(loop);
                return;
            }
        }
        loop.Stop();
    }
}
