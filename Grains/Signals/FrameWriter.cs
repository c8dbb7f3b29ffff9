namespace Countercurrent.Grains.Signals;

/// <summary>
/// Writes <see cref="SignalFrame"/>s to one connection's stream whole and one at a time, for the requests (or replies)
/// of many steps that share it.
/// </summary>
public sealed class FrameWriter(Stream stream)
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task Write(SignalFrame frame, CancellationToken cancel)
    {
        await _turn.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            await SignalWire.Write(stream, frame, cancel).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }
}
