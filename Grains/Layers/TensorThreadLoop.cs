using System.Collections.Concurrent;
using Countercurrent.Learning;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// The OS thread behind a <see cref="TensorThread"/>: runs posted work items one at a time, in order, each within the
/// cores its lease takes from the silo's <see cref="CoreBudget"/> (none for a layer on an accelerator), then the item's
/// follow-up on one core. Outlives its leases when it belongs to a <see cref="TensorThreadPool"/>.
/// </summary>
internal sealed class TensorThreadLoop
{
    private readonly BlockingCollection<(Func<Done> Item, CoreBudget? Cores)> _work = new();
    private int _width;

    public TensorThreadLoop(string name)
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Queues an item; throws <see cref="InvalidOperationException"/> or <see cref="ObjectDisposedException"/> once stopped.</summary>
    public void Post(Func<Done> item, CoreBudget? cores) => _work.Add((item, cores));

    /// <summary>Lets queued work finish, then ends the thread.</summary>
    public void Stop() => _work.CompleteAdding();

    private void Loop()
    {
        foreach (var (item, cores) in _work.GetConsumingEnumerable())
        {
            if (cores is null)
            {
                var ran = item();
                ran.Complete();
                ran.FollowUp?.Invoke();
                continue;
            }
            Done done;
            var width = cores.Take();
            try
            {
                SetWidth(width);
                done = item();
            }
            finally
            {
                cores.Give(width);
            }
            done.Complete();
            if (done.FollowUp is not { } followUp)
            {
                continue;
            }
            cores.TakeForFollowUp();
            try
            {
                SetWidth(1);
                followUp();
            }
            finally
            {
                cores.GiveFromFollowUp();
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
}

/// <summary>A work item that ran: completing its task (outside the item's cores), and its follow-up.</summary>
internal readonly record struct Done(Action Complete, Action? FollowUp);
