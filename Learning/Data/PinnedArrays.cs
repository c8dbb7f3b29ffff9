namespace Countercurrent.Learning.Data;

/// <summary>
/// Arrays that live as long as a dataset does, allocated on the pinned-object heap. The collector never moves them,
/// while the compacting collection of every memory reading (<see cref="Telemetry.ProcessMemory"/>) moves live
/// large-object arrays, onto pages the process may not have touched before: a step up in RSS that stays. A dataset is
/// the largest such array (Fashion-MNIST's training images are 188 MB), as are the pooled payload arrays for their
/// size (<see cref="Contracts.Signals.PayloadBufferPool"/>).
/// </summary>
public static class PinnedArrays
{
    /// <summary>A pinned array of <paramref name="length"/> elements with unspecified contents.</summary>
    public static T[] Uninitialized<T>(int length) => GC.AllocateUninitializedArray<T>(length, pinned: true);
}
