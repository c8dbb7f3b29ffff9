using System.Diagnostics;
using System.Net;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Telemetry;
using Countercurrent.Learning.Tensors;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// One configured layer of a job on this silo and the path its signals take: a signal becomes tensors, is handled by the
/// rule, and the output becomes signals, in one synchronous work item inside a dispose scope on the layer's own
/// <see cref="TensorThread"/>; then the signals go to the neighbours while the rule's weight update runs on that thread
/// as the item's follow-up (or before they go, see <see cref="UpdatesBeforeHandingOver"/>), and the call returns when
/// everything the signals set off is done.
/// <para>
/// A neighbour active on this silo (<see cref="LocalLayers"/>) gets its signal as tensors (<see cref="HandedSignals"/>)
/// by a direct call on its worker, and the hand-over goes from this layer's thread to the neighbour's with no grain turn
/// in between; a neighbour on another silo gets payloads over a signal link (<see cref="SignalLinks"/>), or a grain
/// call where there is no link to its silo. So this path runs outside the grain's turns (every
/// await here leaves the grain's scheduler), and everything it shares with them is either fixed when the worker is
/// made, or read and written atomically. Tensor work
/// happens only inside items on the layer's thread, which runs them one at a time in order; per-step state lives in
/// the rule's stashes keyed by step.
/// </para>
/// </summary>
public sealed class LayerWorker
{
    private readonly TensorThread _thread;
    private readonly LocalLayers _local;
    private readonly SignalLinks _links;
    private readonly string _key;
    private readonly string _jobId;
    private readonly Device _device;
    private readonly Neighbour? _above;
    private readonly Neighbour? _below;
    private readonly Neighbour[] _allBelow;
    private readonly string _siloName;
    private readonly bool _sequentialChain;
    private readonly ILogger _logger;
    private Layer? _layer; // replaced on the thread (restore), read by each work item
    private LayerFailedException? _failedUpdate; // written and read on the tensor thread only
    private long _bytesSent;
    private long _faultStep;
    private long _stateLossStep;
    private long _signals;
    private int _freed;

    private LayerWorker(LayerSetup setup, TensorThread thread, Layer layer, LocalLayers local, SignalLinks links, IGrainFactory grains, string siloName,
        long bytesSent, long faultStep, long stateLossStep, ILogger logger)
    {
        Setup = setup;
        _thread = thread;
        _layer = layer;
        _local = local;
        _links = links;
        _jobId = setup.Spec.JobId;
        _key = LayerKey.For(_jobId, setup.Index);
        _device = DeviceName.ToDevice(setup.Device);
        _above = setup.IsTop ? null : Neighbour.Of(grains, _jobId, setup.Index + 1);
        _below = setup.Index == 0 ? null : Neighbour.Of(grains, _jobId, setup.Index - 1);
        _allBelow = Enumerable.Range(0, setup.Index).Select(i => Neighbour.Of(grains, _jobId, i)).ToArray();
        _siloName = siloName;
        _sequentialChain = setup.Spec.StepsInFlight == 1 && !RuleCatalog.StartsFeedbackFromTargets(setup.Chain[^1].Rule);
        _bytesSent = bytesSent;
        _faultStep = faultStep;
        _stateLossStep = stateLossStep;
        _logger = logger;
    }

    public LayerSetup Setup { get; }

    public int Index => Setup.Index;

    /// <summary>False once freed (released, or its state dropped): a grain call finds no state.</summary>
    public bool IsLive => Volatile.Read(ref _freed) == 0;

    /// <summary>Payload bytes this layer has sent (those of the worker it replaced included).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Builds the layer on a thread leased from the silo's pool and makes it findable on this silo.</summary>
    /// <param name="bytesSent">What the layer's grain has counted as sent so far (by the workers before this one).</param>
    /// <param name="faultStep">The step at which a signal fails, armed for testing (<c>long.MinValue</c>: none).</param>
    /// <param name="stateLossStep">The step at which the layer drops its state, once, armed for testing (<c>long.MinValue</c>: none).</param>
    public static async Task<LayerWorker> Start(LayerSetup setup, CoreBudget cores, TensorThreadPool threads, LocalLayers local, SignalLinks links, IGrainFactory grains,
        string siloName, long bytesSent, long faultStep, long stateLossStep, ILogger logger)
    {
        var device = DeviceName.ToDevice(setup.Device);
        // Index first: Linux keeps 15 characters of a thread's name, and top or perf should tell the layers apart.
        var thread = threads.Rent($"layer {setup.Index} of {setup.Spec.JobId}", device.type == TorchSharp.DeviceType.CPU ? cores : null);
        Layer layer;
        try
        {
            layer = await thread.Run(() => new Layer(new LayerContext(setup.Spec, setup.Chain, setup.Index, device)));
        }
        catch
        {
            thread.Dispose();
            throw;
        }
        var worker = new LayerWorker(setup, thread, layer, local, links, grains, siloName, bytesSent, faultStep, stateLossStep, logger);
        local.Add(worker._key, worker);
        return worker;
    }

    public void ArmFault(long step) => Interlocked.Exchange(ref _faultStep, step);

    public void ArmStateLoss(long step) => Interlocked.Exchange(ref _stateLossStep, step);

    /// <summary>True when a signal arrived since the last call (direct hand-overs do not count as grain activity).</summary>
    public bool TakeSignals() => Interlocked.Exchange(ref _signals, 0) > 0;

    public async Task<StepReport> Forward(ForwardSignal signal)
    {
        var owned = ClaimReceived(signal.Activation, signal.Labels, signal.Input);
        Arrive(signal.Step);
        var outgoing = await Work(signal.Step, signal.Phase, "forward", null, layer =>
        {
            var batch = SignalConversion.ToBatch(signal, _device, Index);
            return (layer.Forward(batch), signal, batch);
        }, null).ConfigureAwait(false);
        var report = await Send(signal.Step, outgoing).ConfigureAwait(false);
        ReturnOwned(owned);
        return report;
    }

    /// <summary>A forward signal handed as tensors by a layer on this silo (<see cref="HandedSignals"/>).</summary>
    public async Task<StepReport> Forward(ForwardBatch handed)
    {
        ArriveOrDispose(handed.Step, () => HandedSignals.Dispose(handed));
        ForwardBatch? batch = null;
        var outgoing = await Work(handed.Step, handed.Phase, "forward",
            scope => batch = HandedSignals.Take(handed, scope, _device),
            layer => (layer.Forward(batch!), null, batch),
            () => HandedSignals.Dispose(handed)).ConfigureAwait(false);
        return await Send(handed.Step, outgoing).ConfigureAwait(false);
    }

    public async Task<StepReport> Feedback(FeedbackSignal signal)
    {
        var owned = ClaimReceived(signal.Signal);
        Arrive(signal.Step);
        var outgoing = await Work(signal.Step, Phase.Train, "feedback", null, layer =>
            (layer.Feedback(SignalConversion.ToBatch(signal, _device, Index)), null, null), null).ConfigureAwait(false);
        var report = await Send(signal.Step, outgoing).ConfigureAwait(false);
        ReturnOwned(owned);
        return report;
    }

    /// <summary>A feedback signal handed as a tensor by a layer on this silo (<see cref="HandedSignals"/>).</summary>
    public async Task<StepReport> Feedback(FeedbackBatch handed)
    {
        ArriveOrDispose(handed.Step, () => HandedSignals.Dispose(handed));
        FeedbackBatch? batch = null;
        var outgoing = await Work(handed.Step, Phase.Train, "feedback",
            scope => batch = HandedSignals.Take(handed, scope, _device),
            layer => (layer.Feedback(batch!), null, null),
            () => HandedSignals.Dispose(handed)).ConfigureAwait(false);
        return await Send(handed.Step, outgoing).ConfigureAwait(false);
    }

    /// <summary>
    /// One signal's work item on the layer's thread, in a span when the step is traced: <paramref name="adopt"/> first
    /// takes handed tensors into the item's dispose scope (<paramref name="abandon"/> frees them instead if the item never
    /// runs: the layer was freed meanwhile), then <paramref name="handle"/> makes the signal's tensors and runs the rule;
    /// its output becomes what is sent on, while the rule's weight update follows on the thread.
    /// </summary>
    private async Task<Outgoing> Work(long step, Phase phase, string kind, Action<DisposeScope>? adopt,
        Func<Layer, (RuleOutput Output, ForwardSignal? Received, ForwardBatch? ReceivedBatch)> handle, Action? abandon)
    {
        var adopted = false;
        using (StartSpan(kind, step, phase))
        {
            try
            {
                return await OnThread(step, () =>
                {
                    var started = Stopwatch.GetTimestamp();
                    Outgoing result;
                    Layer layer;
                    using (var scope = NewDisposeScope())
                    {
                        adopt?.Invoke(scope);
                        adopted = true;
                        layer = Configured(step);
                        result = Handle(step, () =>
                        {
                            var (output, received, receivedBatch) = handle(layer);
                            return MakeOutgoing(output, received, receivedBatch);
                        });
                    }
                    RecordWork(started, kind, result.Bytes);
                    var update = PendingUpdateOf(layer);
                    if (update is not null && UpdatesBeforeHandingOver(result))
                    {
                        update();
                        update = null;
                    }
                    return new HandOver<Outgoing>(result, update);
                }, continueHere: true).ConfigureAwait(false);
            }
            catch when (!adopted && abandon is not null)
            {
                abandon();
                throw;
            }
        }
    }

    /// <summary>
    /// Whether the weight update runs before the signals go rather than after (as a follow-up): in a sequential chain
    /// (one step in flight, a feedback stream that starts at the top's forward pass: backprop, fa, dfa) when the item's
    /// only signal is feedback handed to the layer below on this silo, a broadcast (dfa's error) to layers that are all
    /// on this silo, or no signal at all. Nothing then runs beside the update but the layers it hands to, on the same
    /// cores: measured on the embedded silo (2 cores, MLP 784-1024-1024-10), backprop's deferred updates at one core
    /// each stretched the next step's forward items by 60-80% and kept the job's thread from its turn for ~2 ms a step;
    /// dfa's top, updating beside the first broadcast item, left layer 0 slow into the next step (its forward 2.3-2.5
    /// ms against 1.3 in process; 1.35 ms with the update first, and the step's median 8.4-9.0 ms against 9.6-10.0,
    /// scratch step timelines). This is also the order the in-process trainer takes. A signal to another silo, a second
    /// stream (ccl's feedback from the targets) or other steps in flight leave the update deferred, so other layers
    /// work beside it.
    /// </summary>
    private bool UpdatesBeforeHandingOver(Outgoing outgoing) =>
        _sequentialChain && outgoing.Up is null && outgoing.UpHanded is null && outgoing.Down is null
        && (outgoing.Broadcast is null || outgoing.BroadcastLocal!.All(worker => worker is not null));

    /// <summary>
    /// On the thread, while the rule's tensors are alive: the signals for the neighbours, handed as tensors to those on
    /// this silo and converted to payloads for the others. A broadcast (to every layer below) always goes as payloads,
    /// straight to the workers of the layers on this silo and by grain calls to the others.
    /// </summary>
    private Outgoing MakeOutgoing(RuleOutput output, ForwardSignal? received, ForwardBatch? receivedBatch)
    {
        var index = Index;
        var pool = PayloadBufferPool.Shared;
        var above = output.Up is null ? null : _local.FindNeighbour(_above!.Key);
        var below = output.Down is null ? null : _local.FindNeighbour(_below!.Key);
        var bytes = (output.Up is null ? 0 : HandedSignals.Bytes(output.Up.Activation))
            + (output.Down is null ? 0 : HandedSignals.Bytes(output.Down.Signal))
            + (output.Broadcast is null ? 0 : HandedSignals.Bytes(output.Broadcast.Signal) * index);
        return new Outgoing(
            output.Up is null || above is not null ? null : SignalConversion.ToSignal(_jobId, output.Up, received, receivedBatch, index, pool),
            output.Up is null || above is null ? null : (above, HandedSignals.Hand(output.Up)),
            output.Down is null || below is not null ? null : SignalConversion.ToSignal(_jobId, output.Down, index, pool),
            output.Down is null || below is null ? null : (below, HandedSignals.Hand(output.Down)),
            output.Broadcast is null ? null : SignalConversion.ToSignal(_jobId, output.Broadcast, index, pool),
            output.Broadcast is null ? null : _allBelow.Select(layer => _local.FindNeighbour(layer.Key)).ToArray(),
            output.Loss,
            output.Eval,
            bytes);
    }

    /// <summary>The layer's full state (weights, optimizer state, rule state), after every queued step's update.</summary>
    public Task<byte[]> SaveState() => OnThread(-1, () =>
    {
        ThrowIfUpdateFailed();
        return new HandOver<byte[]>(Configured(-1).SaveState(), null);
    });

    /// <summary>Replaces the layer with one holding <paramref name="state"/>: no stash of a later step survives into a replay.</summary>
    public Task Restore(byte[] state) => OnThread(-1, () =>
    {
        var restored = new Layer(new LayerContext(Setup.Spec, Setup.Chain, Setup.Index, _device));
        try
        {
            restored.LoadState(state);
        }
        catch
        {
            restored.Dispose();
            throw;
        }
        _layer?.Dispose();
        _layer = restored;
        _failedUpdate = null;
        return new HandOver<bool>(true, null);
    });

    /// <summary>
    /// Stops being findable, disposes the layer on its thread after any work still queued there, then gives the thread
    /// back to the silo's pool. Idempotent; a signal arriving afterwards fails as one to a layer with no state.
    /// </summary>
    public void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) != 0)
        {
            return;
        }
        _local.Remove(_key, this);
        _ = _thread.Run(() =>
        {
            _layer?.Dispose();
            _layer = null;
            return true;
        });
        _thread.Dispose();
    }

    /// <summary>As <see cref="Arrive"/>; on failure, first frees what the signal handed over.</summary>
    private void ArriveOrDispose(long step, Action dispose)
    {
        try
        {
            Arrive(step);
        }
        catch
        {
            dispose();
            throw;
        }
    }

    /// <summary>A signal of <paramref name="step"/> arrives: fails when the layer has no state, which the armed state loss drops (as a reactivated empty layer would have nothing).</summary>
    private void Arrive(long step)
    {
        Interlocked.Increment(ref _signals);
        if (Interlocked.Read(ref _stateLossStep) == step && Interlocked.CompareExchange(ref _stateLossStep, long.MinValue, step) == step)
        {
            _logger.LogWarning("layer {Layer} drops its state at step {Step} (armed for testing)", Index, step);
            Free();
        }
        if (!IsLive)
        {
            throw StateLost(step);
        }
    }

    private Layer Configured(long step) => Volatile.Read(ref _layer) ?? throw StateLost(step);

    private LayerFailedException StateLost(long step) =>
        new(Index, step, "the layer has no state (released, or its silo died and it was reactivated)", stateLost: true);

    /// <summary>
    /// Work on the layer's thread; a thread already ended (the layer was freed meanwhile) fails as a layer with no state.
    /// What follows the await goes on on that thread (<see cref="TensorThread.RunWithFollowUp{T}(Func{HandOver{T}}, bool)"/>) and never blocks.
    /// </summary>
    private async Task<T> OnThread<T>(long step, Func<HandOver<T>> work, bool continueHere = false)
    {
        try
        {
            return await _thread.RunWithFollowUp(work, continueHere).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            throw StateLost(step);
        }
    }

    /// <summary>
    /// The weight update the layer left pending, as the follow-up of the work item that produced its signals: it runs
    /// on the tensor thread once they are handed over. A failure there fails the layer's next work item
    /// (<see cref="ThrowIfUpdateFailed"/>), since the weights are no longer what training made them.
    /// </summary>
    private Action? PendingUpdateOf(Layer layer)
    {
        if (!layer.HasPendingUpdate)
        {
            return null;
        }
        return () =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                layer.ApplyPendingUpdate();
            }
            catch (LayerStepException e)
            {
                _logger.LogWarning("layer {Layer} failed updating step {Step}: {Reason}", e.Layer, e.Step, e.Reason);
                _failedUpdate = new LayerFailedException(e.Layer, e.Step, $"its weight update failed: {e.Reason}");
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "layer {Layer} failed updating", Index);
                _failedUpdate = new LayerFailedException(Index, -1, $"its weight update failed: {e.Message}");
            }
            RecordWork(started, "update", 0);
        };
    }

    /// <summary>On the tensor thread: fails when an earlier weight update did.</summary>
    private void ThrowIfUpdateFailed()
    {
        if (_failedUpdate is { } failed)
        {
            throw failed;
        }
    }

    /// <summary>Runs one signal's work; any failure (a bad payload in or out, the rule) becomes a failure of this layer at this step.</summary>
    private T Handle<T>(long step, Func<T> handle)
    {
        if (step == Interlocked.Read(ref _faultStep))
        {
            throw new LayerFailedException(Index, step, "fault injected for testing");
        }
        ThrowIfUpdateFailed();
        try
        {
            return handle();
        }
        catch (LayerStepException e)
        {
            _logger.LogWarning("layer {Layer} failed at step {Step}: {Reason}", e.Layer, e.Step, e.Reason);
            throw new LayerFailedException(e.Layer, e.Step, e.Reason);
        }
        catch (InvalidPayloadException e)
        {
            throw new LayerFailedException(Index, step, e.Message);
        }
    }

    private async Task<StepReport> Send(long step, Outgoing outgoing)
    {
        Interlocked.Add(ref _bytesSent, outgoing.Bytes);
        var calls = new List<Task<StepReport>>(2);
        if (outgoing.Up is not null)
        {
            calls.Add(ForwardTo(_above!, outgoing.Up));
        }
        if (outgoing.UpHanded is var (above, up))
        {
            calls.Add(above.Forward(up));
        }
        if (outgoing.Down is not null)
        {
            calls.Add(FeedbackTo(_below!, outgoing.Down));
        }
        if (outgoing.DownHanded is var (below, down))
        {
            calls.Add(below.Feedback(down));
        }
        if (outgoing.Broadcast is not null)
        {
            var signal = outgoing.Broadcast;
            calls.AddRange(_allBelow.Select((layer, i) => outgoing.BroadcastLocal![i] is { } local ? local.Feedback(signal) : FeedbackTo(layer, signal)));
        }
        var own = new StepReport(step, outgoing.Loss is { } loss ? [new LayerLoss(Index, loss)] : [], outgoing.Eval);
        if (calls.Count == 0)
        {
            return own;
        }
        var reports = await Task.WhenAll(calls).ConfigureAwait(false);
        // Every receiver has copied (or Orleans has serialised) the bytes: the arrays can carry the next step's signals.
        outgoing.ReturnBuffers();
        return StepReport.Merge(step, reports.Prepend(own));
    }

    /// <summary>A forward signal to a neighbour on another silo.</summary>
    private Task<StepReport> ForwardTo(Neighbour to, ForwardSignal signal) =>
        SendTo(to, endpoint => _links.Forward(endpoint, to.Key, signal), () => to.Grain.Forward(signal));

    /// <summary>A feedback signal to a layer on another silo.</summary>
    private Task<StepReport> FeedbackTo(Neighbour to, FeedbackSignal signal) =>
        SendTo(to, endpoint => _links.Feedback(endpoint, to.Key, signal), () => to.Grain.Feedback(signal));

    /// <summary>
    /// A signal to a layer on another silo: over the link to its silo, or by the grain call where there is no link or the
    /// layer is not where its grain last said (it moved: the endpoint is forgotten, and asked again next time).
    /// </summary>
    private async Task<StepReport> SendTo(Neighbour to, Func<IPEndPoint, Task<StepReport?>> overLink, Func<Task<StepReport>> byGrainCall)
    {
        if (await LinkEndpointOf(to).ConfigureAwait(false) is { } endpoint)
        {
            if (await overLink(endpoint).ConfigureAwait(false) is { } report)
            {
                return report;
            }
            to.ForgetLinkEndpoint(endpoint);
        }
        return await byGrainCall().ConfigureAwait(false);
    }

    /// <summary>
    /// Where the neighbour's silo takes signals over a link, asked of its grain once and kept until a request there
    /// finds it gone; null when links are off here or there, or it is on this silo (direct hand-over disabled).
    /// </summary>
    private async ValueTask<IPEndPoint?> LinkEndpointOf(Neighbour to)
    {
        if (_links.Endpoint is not { } own)
        {
            return null;
        }
        if (!to.TryGetLinkEndpoint(out var endpoint))
        {
            endpoint = await to.Grain.GetSignalEndpoint().ConfigureAwait(false) is { } told ? IPEndPoint.Parse(told) : null;
            to.KeepLinkEndpoint(endpoint);
        }
        return own.Equals(endpoint) ? null : endpoint;
    }

    /// <summary>
    /// The payloads whose arrays this call owns: those that arrived from another process with this call (see
    /// <see cref="TensorPayload.ClaimReceived"/>; a payload handed on within the silo is claimed already).
    /// </summary>
    private static List<byte[]>? ClaimReceived(params ReadOnlySpan<TensorPayload?> payloads)
    {
        List<byte[]>? owned = null;
        foreach (var payload in payloads)
        {
            if (payload is not null && payload.ClaimReceived())
            {
                (owned ??= []).Add(payload.Data);
            }
        }
        return owned;
    }

    /// <summary>
    /// Gives back the arrays this call owned once it has completed: the tensors were copied out and every call that
    /// handed a payload on is done. After a failure they are left to the collector, as a sender's are.
    /// </summary>
    private static void ReturnOwned(List<byte[]>? owned)
    {
        foreach (var array in owned ?? [])
        {
            PayloadBufferPool.Shared.Return(array);
        }
    }

    /// <summary>A span for this layer's handling of a signal, when the step is traced (null otherwise: no cost beyond a check).</summary>
    private Activity? StartSpan(string name, long step, Phase phase)
    {
        var span = CountercurrentTelemetry.Source.StartActivity(name);
        if (span is not null)
        {
            span.SetTag(CountercurrentTelemetry.Tags.Job, _jobId)
                .SetTag(CountercurrentTelemetry.Tags.Layer, Index)
                .SetTag(CountercurrentTelemetry.Tags.Step, step)
                .SetTag(CountercurrentTelemetry.Tags.Phase, phase.ToString())
                .SetTag(CountercurrentTelemetry.Tags.Rule, Setup.Layer.Rule)
                .SetTag(CountercurrentTelemetry.Tags.Device, Setup.Device)
                .SetTag(CountercurrentTelemetry.Tags.Silo, _siloName);
        }
        return span;
    }

    private void RecordWork(long started, string kind, long bytes)
    {
        var tags = new TagList
        {
            { CountercurrentTelemetry.Tags.Job, _jobId },
            { CountercurrentTelemetry.Tags.Layer, Index },
            { "kind", kind },
        };
        CountercurrentTelemetry.LayerDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
        if (bytes > 0)
        {
            CountercurrentTelemetry.BytesSent.Add(bytes, tags);
        }
    }

    /// <summary>
    /// A neighbouring layer: its key on this silo's <see cref="LocalLayers"/>, its grain for when it is elsewhere, and
    /// the signal link endpoint of its silo once asked (read and written by the sends of any step, atomically).
    /// </summary>
    private sealed class Neighbour(string key, ILayerGrain grain)
    {
        private sealed record Known(IPEndPoint? Endpoint);

        private Known? _link;

        public string Key { get; } = key;

        public ILayerGrain Grain { get; } = grain;

        public bool TryGetLinkEndpoint(out IPEndPoint? endpoint)
        {
            var known = Volatile.Read(ref _link);
            endpoint = known?.Endpoint;
            return known is not null;
        }

        public void KeepLinkEndpoint(IPEndPoint? endpoint) => Volatile.Write(ref _link, new Known(endpoint));

        /// <summary>The layer was not at <paramref name="endpoint"/> (it moved): ask its grain again next time.</summary>
        public void ForgetLinkEndpoint(IPEndPoint endpoint)
        {
            var known = Volatile.Read(ref _link);
            if (endpoint.Equals(known?.Endpoint))
            {
                Interlocked.CompareExchange(ref _link, null, known);
            }
        }

        public static Neighbour Of(IGrainFactory grains, string jobId, int index)
        {
            var key = LayerKey.For(jobId, index);
            return new Neighbour(key, grains.GetGrain<ILayerGrain>(key));
        }
    }

    /// <summary>
    /// The signals a rule's output turns into, made while its tensors were alive: payloads for layers elsewhere,
    /// tensors handed to layers on this silo, and the payload bytes this layer sends (a handed tensor counts as the
    /// payload it replaces; a broadcast once per receiver). <see cref="BroadcastLocal"/> holds, for each layer below, its
    /// worker when it is on this silo (null otherwise), looked up once for both the update-first check and the sends.
    /// </summary>
    private sealed record Outgoing(
        ForwardSignal? Up,
        (LayerWorker To, ForwardBatch Batch)? UpHanded,
        FeedbackSignal? Down,
        (LayerWorker To, FeedbackBatch Batch)? DownHanded,
        FeedbackSignal? Broadcast,
        LayerWorker?[]? BroadcastLocal,
        float? Loss,
        EvalTally? Eval,
        long Bytes)
    {
        /// <summary>Returns the arrays this layer rented for its signals (not labels or input it passed on unchanged).</summary>
        public void ReturnBuffers()
        {
            Return(Up?.Activation);
            Return(Down?.Signal);
            Return(Broadcast?.Signal);
        }

        private static void Return(TensorPayload? payload)
        {
            if (payload is not null)
            {
                PayloadBufferPool.Shared.Return(payload.Data);
            }
        }
    }
}
