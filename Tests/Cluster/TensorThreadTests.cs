using Countercurrent.Grains.Layers;

namespace Countercurrent.Tests.Cluster;

/// <summary>A work item's result is handed over before its follow-up runs, and the next item waits for that follow-up.</summary>
public sealed class TensorThreadTests
{
    [Fact]
    public async Task Result_comes_before_the_follow_up_and_the_next_item_runs_after_it()
    {
        var budget = new CoreBudget(1);
        using var thread = new TensorThreadPool().Rent("tensor thread test", budget);
        using var release = new ManualResetEventSlim();
        var order = new List<string>();

        var first = thread.RunWithFollowUp(() => new HandOver<int>(1, () =>
        {
            release.Wait(TimeSpan.FromSeconds(10));
            lock (order)
            {
                order.Add("follow-up");
            }
        }));
        Assert.Equal(1, await first.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        var second = thread.Run(() =>
        {
            lock (order)
            {
                order.Add("next item");
            }
            return 2;
        });
        Assert.True(SpinWait.SpinUntil(() => budget.InUse == 1, TimeSpan.FromSeconds(10)), "the follow-up holds the core");
        Assert.False(second.IsCompleted, "the next item ran before the follow-up ended");

        release.Set();

        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(["follow-up", "next item"], order);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task Continuing_here_runs_what_follows_the_await_on_the_tensor_thread_before_the_follow_up()
    {
        var budget = new CoreBudget(1);
        using var thread = new TensorThreadPool().Rent("continues here", budget);
        var order = new List<string>();

        async Task<string?> HandOn()
        {
            await thread.RunWithFollowUp(() => new HandOver<int>(1, () =>
            {
                lock (order)
                {
                    order.Add("follow-up");
                }
            }), continueHere: true).ConfigureAwait(false);
            lock (order)
            {
                // The hand-over: it runs with the item's cores given back and the follow-up not started yet.
                order.Add($"continuation, {budget.InUse} cores in use");
            }
            return Thread.CurrentThread.Name;
        }

        // The thread is held up until HandOn awaits, so that its task cannot have completed before the await.
        using var gate = new ManualResetEventSlim();
        var held = thread.Run(() => gate.Wait(TimeSpan.FromSeconds(10)));
        var handedOn = HandOn();
        gate.Set();
        Assert.True(await held.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal("continues here", await handedOn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(2, await thread.Run(() => order.Count).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(["continuation, 0 cores in use", "follow-up"], order);
    }

    [Fact]
    public async Task A_disposed_thread_takes_no_more_work()
    {
        var thread = new TensorThreadPool().Rent("disposed", new CoreBudget(1));
        thread.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => thread.Run(() => 1));
    }

    [Fact]
    public async Task A_pooled_thread_serves_the_next_lease_after_the_last_item_of_the_one_before_and_not_the_old_lease()
    {
        var pool = new TensorThreadPool();
        CoreBudget? budget = null; // no core budget: the first lease's last item blocks while the second lease works
        var first = pool.Rent("layer 0 of a", budget);
        var firstThread = await first.Run(() => Environment.CurrentManagedThreadId);
        using var release = new ManualResetEventSlim();
        var queued = first.Run(() => release.Wait(TimeSpan.FromSeconds(10)));
        first.Dispose();

        using var second = pool.Rent("layer 0 of b", budget);
        Assert.Equal(2, pool.Made); // the first thread was still busy with its lease's last item
        var secondThread = await second.Run(() => Environment.CurrentManagedThreadId);
        Assert.NotEqual(firstThread, secondThread);
        release.Set();
        Assert.True(await queued.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.Run(() => 1));

        second.Dispose();
        Assert.True(SpinWait.SpinUntil(() => pool.Idle == 2, TimeSpan.FromSeconds(10)), $"both threads are given back ({pool.Idle} idle, {pool.Made} made)");
        using var third = pool.Rent("layer 1 of b", budget);
        var thirdThread = await third.Run(() => (Id: Environment.CurrentManagedThreadId, Thread.CurrentThread.Name));
        Assert.Equal(2, pool.Made);
        Assert.Contains(thirdThread.Id, new[] { firstThread, secondThread });
        Assert.Equal("layer 1 of b", thirdThread.Name);
    }

    [Fact]
    public async Task A_failing_item_fails_its_task_and_leaves_no_follow_up()
    {
        var budget = new CoreBudget(1);
        using var thread = new TensorThreadPool().Rent("tensor thread test", budget);

        Func<int> broken = () => throw new InvalidOperationException("broken");
        var failing = thread.Run(broken);

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(3, await thread.Run(() => 3).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(0, budget.InUse);
    }
}
