using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Countercurrent.Contracts.Grains;

namespace Countercurrent.Grains.Signals;

/// <summary>
/// One connection from this silo to another silo's <see cref="SignalListener"/>, shared by every layer here that sends
/// to a layer there: requests are written whole, one at a time, and any number wait for their replies, matched by id.
/// When the connection fails (the other silo died, the network broke, a frame could not be written whole), every
/// request still waiting fails with a <see cref="SignalLinkException"/> and the link is broken for good;
/// <see cref="SignalLinks"/> connects again for the next request.
/// </summary>
public sealed class SignalLink : IDisposable
{
    private readonly NetworkStream _stream;
    private readonly FrameWriter _writer;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<SignalFrame>> _waiting = new();
    private readonly CancellationTokenSource _closed = new();
    private long _lastId;
    private int _broken;

    private SignalLink(IPEndPoint endpoint, Socket socket)
    {
        Endpoint = endpoint;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _writer = new FrameWriter(_stream);
    }

    public IPEndPoint Endpoint { get; }

    public bool IsBroken => Volatile.Read(ref _broken) != 0;

    /// <summary>Connects, or fails within <paramref name="timeout"/>.</summary>
    public static async Task<SignalLink> Connect(IPEndPoint endpoint, TimeSpan timeout)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(endpoint, deadline.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var link = new SignalLink(endpoint, socket);
        _ = link.ReadReplies();
        return link;
    }

    /// <summary>
    /// Sends the request <paramref name="makeRequest"/> makes with its id and returns the reply: a report, a failure or
    /// "not here". Throws <see cref="SignalLinkException"/> when the link fails first, <see cref="TimeoutException"/>
    /// when no reply comes within <paramref name="timeout"/>.
    /// </summary>
    public async Task<SignalFrame> Send(Func<long, SignalFrame> makeRequest, TimeSpan timeout)
    {
        var id = Interlocked.Increment(ref _lastId);
        var reply = new TaskCompletionSource<SignalFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = reply;
        var request = makeRequest(id);
        try
        {
            await _writer.Write(request, _closed.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Break(e); // a frame written in part leaves the stream unusable; this request's reply fails with the rest
        }
        catch
        {
            _waiting.TryRemove(id, out _); // nothing was written (the frame could not be made)
            throw;
        }
        try
        {
            return await reply.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _waiting.TryRemove(id, out _);
            throw new TimeoutException($"no reply to the signal for {request.TargetKey} at step {request.Step} over the signal link to {Endpoint} within {timeout.TotalSeconds:0.#} s");
        }
    }

    public void Dispose() => Break(new ObjectDisposedException(nameof(SignalLink), "the silo is stopping"));

    private async Task ReadReplies()
    {
        try
        {
            while (true)
            {
                var frame = await SignalWire.Read(_stream, _closed.Token).ConfigureAwait(false);
                if (_waiting.TryRemove(frame.Id, out var reply))
                {
                    reply.TrySetResult(frame);
                }
            }
        }
        catch (Exception e)
        {
            Break(e);
        }
    }

    /// <summary>Closes the connection once, and fails every request waiting for a reply (including any that registers meanwhile: its write fails).</summary>
    private void Break(Exception cause)
    {
        if (Interlocked.Exchange(ref _broken, 1) == 0)
        {
            _closed.Cancel();
            _stream.Dispose();
        }
        foreach (var id in _waiting.Keys)
        {
            if (_waiting.TryRemove(id, out var reply))
            {
                reply.TrySetException(new SignalLinkException($"the signal link to {Endpoint} failed: {cause.Message}", cause));
            }
        }
    }
}
