using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Layers;
using Countercurrent.Learning.Telemetry;
using Microsoft.Extensions.Logging;

namespace Countercurrent.Grains.Signals;

/// <summary>
/// Takes signals for this silo's layers from other silos' <see cref="SignalLink"/>s: reads each connection's requests
/// in turn, hands each to the worker of its layer (<see cref="LocalLayers"/>) without waiting for the one before, and
/// writes each reply when its handling is done, as a grain call to the layer would return. A request for a layer not
/// active here gets "not here", and its sender makes a grain call instead. A traced request's handling is a span under
/// the sender's, so a step's trace crosses silos as it does with grain calls.
/// </summary>
public sealed class SignalListener : IDisposable
{
    private readonly LocalLayers _local;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, bool> _connections = new();
    private long _served;

    private SignalListener(Socket socket, LocalLayers local, ILogger logger)
    {
        _socket = socket;
        _local = local;
        _logger = logger;
    }

    /// <summary>The address and port it listens on.</summary>
    public IPEndPoint Bound => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Requests handed to a layer here so far.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Listens on <paramref name="address"/>:<paramref name="port"/> (0: a free port).</summary>
    public static SignalListener Start(IPAddress address, int port, LocalLayers local, ILogger logger)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new SignalListener(socket, local, logger);
        _ = listener.Accept();
        return listener;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _socket.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }
    }

    private async Task Accept()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogWarning("signal listener on {Endpoint}: accepting failed: {Reason}", Bound, e.Message);
                continue;
            }
            connection.NoDelay = true;
            _connections[connection] = true;
            _ = Serve(connection);
        }
    }

    private async Task Serve(Socket connection)
    {
        var stream = new NetworkStream(connection, ownsSocket: true);
        var writer = new FrameWriter(stream);
        try
        {
            while (true)
            {
                var request = await SignalWire.Read(stream, _stopping.Token).ConfigureAwait(false);
                _ = Handle(request, stream, writer);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The sender closed the link, or this silo is stopping: its waiting requests fail on its side.
        }
        catch (Exception e)
        {
            _logger.LogWarning("signal listener on {Endpoint}: dropping a connection that sent a malformed frame: {Reason}", Bound, e.Message);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task Handle(SignalFrame request, NetworkStream stream, FrameWriter writer)
    {
        SignalFrame reply;
        if (_local.Find(request.TargetKey) is not { } worker)
        {
            ReturnReceived(request);
            reply = SignalFrame.NotHereReply(request.Id);
        }
        else
        {
            Interlocked.Increment(ref _served);
            using var span = StartSpan(request);
            try
            {
                var report = request.Type == SignalFrameType.Forward
                    ? await worker.Forward(request.Forward!).ConfigureAwait(false)
                    : await worker.Feedback(request.Feedback!).ConfigureAwait(false);
                reply = SignalFrame.ReportReply(request.Id, report);
            }
            catch (Exception e)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
                reply = SignalFrame.FailureReply(request.Id, e);
            }
        }
        try
        {
            try
            {
                await writer.Write(reply, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (IOException or SocketException or ObjectDisposedException or OperationCanceledException))
            {
                // The reply could not be encoded (nothing was written: a frame is made whole before it goes): say so.
                _logger.LogWarning("signal listener on {Endpoint}: the reply to a signal for {Layer} at step {Step} could not be encoded: {Reason}",
                    Bound, request.TargetKey, request.Step, e.Message);
                await writer.Write(SignalFrame.FailureReply(request.Id, new InvalidOperationException($"the reply could not be encoded: {e.Message}")), _stopping.Token)
                    .ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The link is gone: the sender's request fails there. A reply written in part leaves the stream unusable.
            stream.Dispose();
        }
    }

    /// <summary>Gives back the arrays of a request no layer here takes.</summary>
    private static void ReturnReceived(SignalFrame request)
    {
        TensorPayload?[] payloads = [request.Forward?.Activation, request.Forward?.Labels, request.Forward?.Input, request.Feedback?.Signal];
        foreach (var payload in payloads)
        {
            if (payload is not null && payload.ClaimReceived())
            {
                PayloadBufferPool.Shared.Return(payload.Data);
            }
        }
    }

    /// <summary>A server span under the sender's context when the request is traced (null otherwise).</summary>
    private static Activity? StartSpan(SignalFrame request)
    {
        if (request.TraceParent is null || !ActivityContext.TryParse(request.TraceParent, request.TraceState, out var parent))
        {
            return null;
        }
        return CountercurrentTelemetry.Source.StartActivity(request.Type == SignalFrameType.Forward ? "receive forward" : "receive feedback", ActivityKind.Server, parent)
            ?.SetTag("countercurrent.target", request.TargetKey)
            .SetTag(CountercurrentTelemetry.Tags.Step, request.Step);
    }
}
