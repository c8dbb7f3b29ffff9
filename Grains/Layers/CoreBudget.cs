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
/// <para>
/// Follow-ups (a layer's weight update after its signals have gone, see <see cref="TensorThread"/>) are served after
/// everything else: one takes a single core, only when one is free and no work item waits. The work items that other
/// layers start meanwhile are what the next step waits for, so they may count the cores follow-ups hold as free: a work
/// item arriving while follow-ups run takes their cores too and the silo runs more threads than cores until they end,
/// rather than running at less width than the silo has for all its length.
/// </para>
/// </summary>
public sealed class CoreBudget
{
    private readonly object _gate = new();
    private int _waiting;
    private int _free;
    private int _followUps;

    public CoreBudget(int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        Cores = cores;
        _free = cores;
    }

    public int Cores { get; }

    /// <summary>Cores in use right now (more than <see cref="Cores"/> while work items run over follow-ups).</summary>
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

    /// <summary>
    /// Blocks until a core is free or held by a follow-up and takes it, and the other such cores when nobody else waits;
    /// returns how many it took.
    /// </summary>
    public int Take()
    {
        lock (_gate)
        {
            _waiting++;
            while (Available == 0)
            {
                Monitor.Wait(_gate);
            }
            _waiting--;
            var taken = _waiting == 0 ? Available : 1;
            _free -= taken;
            return taken;
        }
    }

    /// <summary>Cores a work item may take: the free ones and those follow-ups hold (some of those may be lent already).</summary>
    private int Available => Math.Max(0, _free + _followUps);

    public void Give(int cores)
    {
        lock (_gate)
        {
            _free += cores;
            if (_free > Cores - _followUps)
            {
                throw new InvalidOperationException($"core budget: {_free} free of {Cores}; a core was given back twice");
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Blocks until a core is free and no work item waits, and takes that one core for a follow-up.</summary>
    public void TakeForFollowUp()
    {
        lock (_gate)
        {
            while (_free <= 0 || _waiting > 0)
            {
                Monitor.Wait(_gate);
            }
            _free--;
            _followUps++;
        }
    }

    public void GiveFromFollowUp()
    {
        lock (_gate)
        {
            if (_followUps == 0)
            {
                throw new InvalidOperationException("core budget: no follow-up holds a core");
            }
            _followUps--;
            _free++;
            Monitor.PulseAll(_gate);
        }
    }
}
