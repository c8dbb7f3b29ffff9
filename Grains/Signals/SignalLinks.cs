using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Layers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Countercurrent.Grains.Signals;

/// <summary>
/// This silo's signal links: how a layer's signals reach a neighbour on another silo without an Orleans message. The
/// silo listens on <see cref="Endpoint"/> (<see cref="SignalListener"/>, on the address the silo advertises) and keeps
/// one <see cref="SignalLink"/> to each silo its layers send to. Orleans still places, activates, fails over and
/// checkpoints the layers; a link only carries the signals between them, with the replies a grain call would return.
/// <para>
/// Why: with a layer per silo process on this 2-core machine, Orleans' messaging cost the silo holding layer 1 about
/// 2 ms of its core per step for the 1.1 MB of signals it sends and receives, against 0.2 ms for the same bytes on a
/// plain socket (measured, see docs/design.md, "Signal links").
/// </para>
/// <para>
/// A link is an optimisation with a grain call behind it: a request for a layer that is not active at the other end
/// ("not here": it moved or was freed), or a silo that cannot be reached, falls back to a grain call, which activates
/// the layer where Orleans puts it and fails as it always did. A link that breaks with requests waiting fails them as a
/// call to a dead silo fails (<see cref="Contracts.Grains.SignalLinkException"/>, an Orleans exception the job recovers
/// from), and a reply that does not come within Orleans' response timeout fails as a call's would.
/// </para>
/// </summary>
public sealed class SignalLinks(LocalLayers local, ILocalSiloDetails silo, SignalLinkOptions options, IOptions<SiloMessagingOptions> messaging, ILogger<SignalLinks> logger)
    : IHostedService, IDisposable
{
    /// <summary>How long a silo that could not be reached gets grain calls before the next attempt to connect.</summary>
    private static readonly TimeSpan UnreachableFor = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<IPEndPoint, Lazy<Task<SignalLink>>> _links = new();
    private readonly ConcurrentDictionary<IPEndPoint, long> _unreachableUntil = new();
    private SignalListener? _listener;
    private long _sent;

    /// <summary>Where other silos send this silo's layers their signals; null when links are off or not started.</summary>
    public IPEndPoint? Endpoint { get; private set; }

    /// <summary>Signals this silo has sent over links, and those it has handed to its layers from links.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public long Served => _listener?.Served ?? 0;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return Task.CompletedTask;
        }
        var advertised = silo.SiloAddress.Endpoint.Address;
        // Listen where the silo is reached: loopback only for a silo that advertises a loopback address.
        var bind = IPAddress.IsLoopback(advertised) ? advertised : advertised.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        _listener = SignalListener.Start(bind, options.Port, local, logger);
        Endpoint = new IPEndPoint(advertised, _listener.Bound.Port);
        logger.LogInformation("signal links: listening on {Bound}, advertised as {Endpoint}", _listener.Bound, Endpoint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Endpoint = null;
        _listener?.Dispose();
        foreach (var link in _links.Values)
        {
            if (link.IsValueCreated && link.Value.IsCompletedSuccessfully)
            {
                link.Value.Result.Dispose();
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to layer <paramref name="key"/> at <paramref name="endpoint"/> and returns what a
    /// grain call would; null when the caller should make that grain call instead (the layer is not there, or the silo
    /// cannot be reached).
    /// </summary>
    public Task<StepReport?> Forward(IPEndPoint endpoint, string key, ForwardSignal signal) =>
        Request(endpoint, (id, parent, state) => SignalFrame.ForwardRequest(id, key, signal, parent, state));

    /// <inheritdoc cref="Forward"/>
    public Task<StepReport?> Feedback(IPEndPoint endpoint, string key, FeedbackSignal signal) =>
        Request(endpoint, (id, parent, state) => SignalFrame.FeedbackRequest(id, key, signal, parent, state));

    private async Task<StepReport?> Request(IPEndPoint endpoint, Func<long, string?, string?, SignalFrame> makeRequest)
    {
        if (await LinkTo(endpoint).ConfigureAwait(false) is not { } link)
        {
            return null;
        }
        // The sender's trace context, as Orleans' activity propagation would carry it on a grain call.
        var current = Activity.Current;
        var parent = current?.IdFormat == ActivityIdFormat.W3C ? current.Id : null;
        var state = parent is null ? null : current!.TraceStateString;
        Interlocked.Increment(ref _sent);
        var reply = await link.Send(id => makeRequest(id, parent, state), messaging.Value.ResponseTimeout).ConfigureAwait(false);
        return reply.Type switch
        {
            SignalFrameType.Report => reply.Report,
            SignalFrameType.NotHere => null,
            SignalFrameType.Failure => throw reply.Failure!,
            _ => throw new InvalidOperationException($"a signal link replied with a {reply.Type} frame"),
        };
    }

    /// <summary>The link to <paramref name="endpoint"/>, connecting when there is none or it broke; null while the silo there cannot be reached.</summary>
    private async Task<SignalLink?> LinkTo(IPEndPoint endpoint)
    {
        if (_unreachableUntil.TryGetValue(endpoint, out var until))
        {
            if (Stopwatch.GetTimestamp() < until)
            {
                return null;
            }
            _unreachableUntil.TryRemove(KeyValuePair.Create(endpoint, until));
        }
        while (true)
        {
            var pending = _links.GetOrAdd(endpoint, at => new Lazy<Task<SignalLink>>(() => SignalLink.Connect(at, ConnectTimeout)));
            try
            {
                var link = await pending.Value.ConfigureAwait(false);
                if (!link.IsBroken)
                {
                    return link;
                }
                _links.TryRemove(KeyValuePair.Create(endpoint, pending));
            }
            catch (Exception e)
            {
                _links.TryRemove(KeyValuePair.Create(endpoint, pending));
                _unreachableUntil[endpoint] = Stopwatch.GetTimestamp() + (long)(UnreachableFor.TotalSeconds * Stopwatch.Frequency);
                logger.LogWarning("signal link to {Endpoint} could not connect ({Reason}): grain calls carry its signals for the next {Seconds} s",
                    endpoint, e.Message, UnreachableFor.TotalSeconds);
                return null;
            }
        }
    }
}
