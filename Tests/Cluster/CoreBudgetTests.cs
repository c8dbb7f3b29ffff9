using Countercurrent.Grains.Layers;

namespace Countercurrent.Tests.Cluster;

public sealed class CoreBudgetTests
{
    [Fact]
    public void A_layer_working_alone_takes_every_free_core()
    {
        var budget = new CoreBudget(4);

        Assert.Equal(4, budget.Take());
        Assert.Equal(4, budget.InUse);
    }

    [Fact]
    public async Task A_layer_waits_while_the_cores_are_taken_and_gets_them_when_given_back()
    {
        var budget = new CoreBudget(2);
        var first = budget.Take();
        var second = Task.Run(budget.Take, TestContext.Current.CancellationToken);

        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 1, TimeSpan.FromSeconds(10)));
        Assert.False(second.IsCompleted, "took a core while none was free");
        budget.Give(first);

        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task When_others_wait_each_layer_takes_one_core_so_they_work_side_by_side()
    {
        var budget = new CoreBudget(2);
        var first = budget.Take();
        var waiting = Enumerable.Range(0, 2).Select(_ => Task.Run(budget.Take, TestContext.Current.CancellationToken)).ToArray();
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 2, TimeSpan.FromSeconds(10)));

        budget.Give(first);

        var taken = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.All(taken, t => Assert.Equal(1, t));
        Assert.Equal(2, budget.InUse);
    }

    [Fact]
    public async Task A_follow_up_takes_one_core_and_only_once_no_work_item_waits()
    {
        var budget = new CoreBudget(2);
        var first = budget.Take();
        var followUp = Task.Run(budget.TakeForFollowUp, TestContext.Current.CancellationToken);
        var second = Task.Run(budget.Take, TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 1, TimeSpan.FromSeconds(10)));

        budget.Give(first);

        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.False(followUp.IsCompleted, "a follow-up took a core while a work item held every core");
        budget.Give(2);
        await followUp.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(1, budget.InUse);
        budget.GiveFromFollowUp();
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task A_work_item_takes_the_cores_follow_ups_hold_and_the_next_waits_for_one_given_back()
    {
        var budget = new CoreBudget(2);
        budget.TakeForFollowUp();

        Assert.Equal(2, budget.Take());
        Assert.Equal(3, budget.InUse);
        var next = Task.Run(budget.Take, TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 1, TimeSpan.FromSeconds(10)));
        budget.GiveFromFollowUp();
        Assert.False(next.IsCompleted, "took a core that the first work item had borrowed");
        budget.Give(2);

        Assert.Equal(2, await next.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Giving_back_a_core_twice_is_refused()
    {
        var budget = new CoreBudget(1);
        budget.Give(budget.Take());

        Assert.Throws<InvalidOperationException>(() => budget.Give(1));
        Assert.Throws<InvalidOperationException>(budget.GiveFromFollowUp);
    }
}
