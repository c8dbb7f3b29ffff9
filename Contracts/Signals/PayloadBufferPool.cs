using System.Collections.Concurrent;

namespace Countercurrent.Contracts.Signals;

/// <summary>
/// Byte arrays for outgoing payloads, reused by exact length. A layer's signals have the same size every step
/// (activations of 128 x 1024 floats are 512 KiB), so without reuse every signal is a fresh large-object-heap array:
/// a gen-2 collection every few steps, and page faults on memory the collector gave back. The sender rents an array,
/// sends the payload, and returns the array once every call it made with it has completed successfully (by then every
/// receiver has copied the bytes into its tensors, or the bytes were serialised); after a failed call the array is
/// left to the collector, since a message may still be on its way.
/// </summary>
public sealed class PayloadBufferPool(int keepPerLength = 32)
{
    private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _free = new();

    /// <summary>One pool per process.</summary>
    public static PayloadBufferPool Shared { get; } = new();

    /// <summary>An array of exactly <paramref name="length"/> bytes, with unspecified contents.</summary>
    public byte[] Rent(int length) =>
        _free.TryGetValue(length, out var free) && free.TryTake(out var array)
            ? array
            : GC.AllocateUninitializedArray<byte>(length, pinned: length >= LargeObjectBytes);

    /// <summary>
    /// Arrays of at least this many bytes would go to the large-object heap; they go to the pinned-object heap instead.
    /// A pooled array lives as long as its process, and the collector never moves a pinned one, whereas the compacting
    /// collection of every memory reading (at each epoch's end) slid live large-object arrays onto pages the process had
    /// not touched before, each move a step up in RSS that stayed. With Orleans' directory caches sized down (the
    /// larger part, see the silo's hosting) and these arrays still movable, silos kept steps of 2-9 MiB (two silo
    /// processes +1.3% from epoch 2 to 10, one +2.1%); pinned as well, +0.7% and +0.8%.
    /// </summary>
    public const int LargeObjectBytes = 85_000;

    /// <summary>Gives an array back; the caller must not touch it afterwards.</summary>
    public void Return(byte[] array)
    {
        var free = _free.GetOrAdd(array.Length, _ => []);
        if (free.Count < keepPerLength)
        {
            free.Add(array);
        }
    }

    /// <summary>Arrays waiting to be rented again, of every length.</summary>
    public int Count => _free.Values.Sum(f => f.Count);
}
