using System.Runtime.InteropServices;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Telemetry;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Arrays that live as long as the process or a dataset (pooled payload arrays, a dataset's samples) stay where they
/// are through a memory reading, whose collection compacts the large-object heap: moved, they landed on pages the
/// process had not touched before, and each silo's RSS stepped up by 17-24 MiB once, a few epochs into a job.
/// </summary>
public sealed class LongLivedArrayPlacementTests
{
    [Fact]
    public void A_pooled_large_payload_array_does_not_move_when_memory_is_read()
    {
        var pool = new PayloadBufferPool();
        var array = AfterGarbage(() => pool.Rent(524_288));

        var before = AddressOf(array);
        ProcessMemory.Snapshot("test");

        Assert.Equal(before, AddressOf(array));
    }

    [Fact]
    public void A_datasets_samples_do_not_move_when_memory_is_read()
    {
        var data = AfterGarbage(() => SyntheticDataset.Create(200, seed: 1).Train);

        var images = AddressOf(data.Images);
        var labels = AddressOf(data.Labels);
        ProcessMemory.Snapshot("test");

        Assert.Equal(images, AddressOf(data.Images));
        Assert.Equal(labels, AddressOf(data.Labels));
    }

    [Fact]
    public void A_subsets_samples_do_not_move_when_memory_is_read()
    {
        var data = SyntheticDataset.Create(200, seed: 1).Train;
        var subset = AfterGarbage(() => data.Subset(Enumerable.Range(0, 150).ToArray(), "validation"));

        var images = AddressOf(subset.Images);
        ProcessMemory.Snapshot("test");

        Assert.Equal(images, AddressOf(subset.Images));
    }

    /// <summary>
    /// Makes <paramref name="make"/>'s result right after large-object garbage, so that a compaction of the large-object
    /// heap has free space before it to slide it into.
    /// </summary>
    private static T AfterGarbage<T>(Func<T> make)
    {
        var garbage = Enumerable.Range(0, 8).Select(_ => new byte[1 << 20]).ToList();
        var made = make();
        GC.KeepAlive(garbage);
        return made;
    }

    private static nint AddressOf(Array array)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            return handle.AddrOfPinnedObject();
        }
        finally
        {
            handle.Free();
        }
    }
}
