using Countercurrent.Contracts.Signals;

namespace Countercurrent.Tests.Learning;

public sealed class PayloadBufferPoolTests
{
    [Fact]
    public void A_returned_array_is_rented_again_for_the_same_length_only()
    {
        var pool = new PayloadBufferPool();
        var first = pool.Rent(1000);
        pool.Return(first);

        Assert.NotSame(first, pool.Rent(999));
        Assert.Same(first, pool.Rent(1000));
        Assert.NotSame(first, pool.Rent(1000));
    }

    [Fact]
    public void Rented_arrays_have_exactly_the_length_asked_for()
    {
        var pool = new PayloadBufferPool();

        Assert.Equal(524_288, pool.Rent(524_288).Length);
        Assert.Equal(401_408, pool.Rent(401_408).Length);
    }

    [Fact]
    public void The_pool_keeps_at_most_its_limit_per_length()
    {
        var pool = new PayloadBufferPool(keepPerLength: 2);
        foreach (var array in Enumerable.Range(0, 5).Select(_ => new byte[64]))
        {
            pool.Return(array);
        }

        Assert.Equal(2, pool.Count);
    }
}
