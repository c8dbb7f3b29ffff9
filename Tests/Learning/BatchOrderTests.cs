using Countercurrent.Learning.Data;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>The seeded order of an epoch: reproducible, different per epoch, a permutation cut into batches.</summary>
public sealed class BatchOrderTests
{
    [Fact]
    public void SameSeedAndEpochGiveTheSamePermutation()
    {
        var a = Visits(new BatchOrder(1000, 32, seed: 42, epoch: 3));
        var b = Visits(new BatchOrder(1000, 32, seed: 42, epoch: 3));

        Assert.Equal(a, b);
    }

    [Fact]
    public void DifferentEpochOrSeedGivesADifferentPermutation()
    {
        var epoch0 = Visits(new BatchOrder(1000, 32, seed: 42, epoch: 0));
        var epoch1 = Visits(new BatchOrder(1000, 32, seed: 42, epoch: 1));
        var otherSeed = Visits(new BatchOrder(1000, 32, seed: 43, epoch: 0));

        Assert.NotEqual(epoch0, epoch1);
        Assert.NotEqual(epoch0, otherSeed);
        Assert.NotEqual(Enumerable.Range(0, 1000), epoch0);
    }

    [Theory]
    [InlineData(1000, 32)]
    [InlineData(100, 100)]
    [InlineData(7, 3)]
    [InlineData(5, 64)]
    public void EverySampleIsVisitedExactlyOncePerEpoch(int samples, int batchSize)
    {
        var order = new BatchOrder(samples, batchSize, seed: 1, epoch: 0);

        Assert.Equal((samples + batchSize - 1) / batchSize, order.StepCount);
        Assert.Equal(Enumerable.Range(0, samples), Visits(order).Order());
    }

    [Fact]
    public void LastBatchHoldsTheRemainder()
    {
        var order = new BatchOrder(1000, 32, seed: 1, epoch: 0);

        Assert.Equal(32, order.StepCount);
        Assert.All(Enumerable.Range(0, 31), s => Assert.Equal(32, order.Batch(s).Length));
        Assert.Equal(1000 - 31 * 32, order.Batch(31).Length);
    }

    [Fact]
    public void UnshuffledOrderIsTheIdentity()
    {
        var order = new BatchOrder(10, 4, seed: 1, epoch: 5, shuffle: false);

        Assert.Equal(Enumerable.Range(0, 10), Visits(order));
    }

    [Fact]
    public void MaxStepsLimitsTheEpochWithoutChangingItsBatches()
    {
        var full = new BatchOrder(1000, 32, seed: 9, epoch: 2);
        var limited = new BatchOrder(1000, 32, seed: 9, epoch: 2, maxSteps: 5);
        var generous = new BatchOrder(1000, 32, seed: 9, epoch: 2, maxSteps: 500);

        Assert.Equal(5, limited.StepCount);
        Assert.Equal(full.StepCount, generous.StepCount);
        Assert.Equal(Visits(full).Take(5 * 32), Visits(limited));
    }

    private static List<int> Visits(BatchOrder order)
    {
        var visits = new List<int>();
        for (var s = 0; s < order.StepCount; s++)
        {
            visits.AddRange(order.Batch(s).ToArray());
        }
        return visits;
    }
}
