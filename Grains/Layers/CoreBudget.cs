namespace Countercurrent.Grains.Layers;

/// <summary>
/// The cores a silo may use for tensor work (Silo:TorchThreads, all cores by default), shared by the tensor threads of
/// every CPU layer it hosts.
/// <para>
/// Each layer has its own <see cref="TensorThread"/>, so without a budget a silo with four layers runs four OpenMP
/// teams at once whatever its configured thread count, and N silo processes on one machine oversubscribe the cores N
/// times over. With the budget, a work item waits for a free core and takes it; if no other layer is waiting it also
/// takes the other free cores as its intra-op width. A layer working alone (backprop's sequential chain) gets all the
/// silo's cores; layers with work at the same time (a local rule, several steps in flight) get a core each. A silo
/// configured for one core uses one core.
/// </para>
/// </summary>
public sealed class CoreBudget
{
    private readonly object _gate = new();
    private int _waiting;
    private int _free;

    public CoreBudget(int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        Cores = cores;
        _free = cores;
    }

    public int Cores { get; }

    /// <summary>Cores in use right now.</summary>
    public int InUse
    {
        get
        {
            lock (_gate)
            {
                return Cores - _free;
            }
        }
    }

    /// <summary>Work items waiting for a core right now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting;
            }
        }
    }

    /// <summary>Blocks until a core is free and takes it, and the other free ones when nobody else waits; returns how many it took.</summary>
    public int Take()
    {
        lock (_gate)
        {
            _waiting++;
            while (_free == 0)
            {
                Monitor.Wait(_gate);
            }
            _waiting--;
            var taken = _waiting == 0 ? _free : 1;
            _free -= taken;
            return taken;
        }
    }

    public void Give(int cores)
    {
        lock (_gate)
        {
            _free += cores;
            if (_free > Cores)
            {
                throw new InvalidOperationException($"core budget: {_free} free of {Cores}; a core was given back twice");
            }
            Monitor.PulseAll(_gate);
        }
    }
}
