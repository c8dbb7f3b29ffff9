using Countercurrent.Contracts.Grains;
using Countercurrent.Grains.Checkpoints;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using System.Diagnostics;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Telemetry;
using Countercurrent.Learning.Tensors;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
using static TorchSharp.torch;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// One layer of one job: a thin adapter over Learning's <see cref="Layer"/>. A signal is converted to tensors, handled
/// by the rule and converted back in one synchronous work item inside a dispose scope, on the layer's own
/// <see cref="TensorThread"/>; then the resulting signals are sent on while the rule's weight update runs on that thread
/// as the item's follow-up, and the call returns when everything the signals set off is done.
/// <para>
/// Reentrant, because a layer must take the feedback of step s (and the forward of step s+1) while its own call for
/// step s is still waiting on the layers above. Safe because every tensor operation happens inside a work item on the
/// layer's single tensor thread, which runs them one at a time in order, and all per-step state lives in the rule's
/// stashes keyed by step; grain fields change only between awaits (a grain runs one turn at a time even when reentrant).
/// Layers only call their neighbours and never the job, so calls cannot wait on each other in a cycle.
/// </para>
/// </summary>
[Reentrant]
public sealed class LayerGrain(ILocalSiloDetails silo, ICheckpointStore checkpoints, CoreBudget cores, ILogger<LayerGrain> logger) : Grain, ILayerGrain
{
    private Layer? _layer;
    private TensorThread? _thread;
    private LayerSetup? _setup;
    private Device _device = CPU;
    private ILayerGrain? _above;
    private ILayerGrain? _below;
    private ILayerGrain[] _allBelow = [];
    private long _faultStep = long.MinValue;
    private long _stateLossStep = long.MinValue;
    private long _bytesSent;
    private LayerFailedException? _failedUpdate; // written and read on the tensor thread only

    private int Index => _setup?.Index ?? -1;

    public async Task<LayerPlacementInfo> Configure(LayerSetup setup)
    {
        if (_layer is null || !SameLayer(_setup!, setup))
        {
            var jobId = setup.Spec.JobId;
            _device = DeviceName.ToDevice(setup.Device);
            // Index first: Linux keeps 15 characters of a thread's name, and top or perf should tell the layers apart.
            _thread ??= new TensorThread($"layer {setup.Index} of {jobId}", _device.type == TorchSharp.DeviceType.CPU ? cores : null);
            var previous = _layer;
            _setup = setup;
            var device = _device;
            _layer = await _thread.Run(() =>
            {
                previous?.Dispose();
                _failedUpdate = null;
                return new Layer(new LayerContext(setup.Spec, setup.Chain, setup.Index, device));
            });
            _above = setup.IsTop ? null : GrainFactory.GetGrain<ILayerGrain>(LayerKey.For(jobId, setup.Index + 1));
            _below = setup.Index == 0 ? null : GrainFactory.GetGrain<ILayerGrain>(LayerKey.For(jobId, setup.Index - 1));
            _allBelow = Enumerable.Range(0, setup.Index).Select(i => GrainFactory.GetGrain<ILayerGrain>(LayerKey.For(jobId, i))).ToArray();
            logger.LogInformation("{Layer} of job {Job} on {Silo}/{Device}", setup.Layer, jobId, silo.Name, setup.Device);
        }
        return Describe();
    }

    public async Task<StepReport> Forward(ForwardSignal signal)
    {
        var owned = ClaimReceived(signal.Activation, signal.Labels, signal.Input);
        LoseStateIfArmed(signal.Step);
        var layer = Configured(signal.Step);
        var index = Index;
        var device = _device;
        var jobId = _setup!.Spec.JobId;
        Outgoing outgoing;
        using (var span = StartSpan("forward", signal.Step, signal.Phase))
        {
            outgoing = await _thread!.Run(() =>
            {
                var started = Stopwatch.GetTimestamp();
                Outgoing result;
                using (NewDisposeScope())
                {
                    result = Handle(signal.Step, index, () =>
                    {
                        var batch = SignalConversion.ToBatch(signal, device, index);
                        return Outgoing.From(signal.JobId, layer.Forward(batch), index, signal, batch);
                    });
                }
                RecordWork(jobId, index, started, "forward", result.Bytes(index));
                return new HandOver<Outgoing>(result, PendingUpdateOf(layer, jobId, index));
            });
        }
        var report = await Send(signal.Step, outgoing);
        ReturnOwned(owned);
        return report;
    }

    public async Task<StepReport> Feedback(FeedbackSignal signal)
    {
        var owned = ClaimReceived(signal.Signal);
        LoseStateIfArmed(signal.Step);
        var layer = Configured(signal.Step);
        var index = Index;
        var device = _device;
        var jobId = _setup!.Spec.JobId;
        Outgoing outgoing;
        using (var span = StartSpan("feedback", signal.Step, Phase.Train))
        {
            outgoing = await _thread!.Run(() =>
            {
                var started = Stopwatch.GetTimestamp();
                Outgoing result;
                using (NewDisposeScope())
                {
                    result = Handle(signal.Step, index, () =>
                        Outgoing.From(signal.JobId, layer.Feedback(SignalConversion.ToBatch(signal, device, index)), index, null, null));
                }
                RecordWork(jobId, index, started, "feedback", result.Bytes(index));
                return new HandOver<Outgoing>(result, PendingUpdateOf(layer, jobId, index));
            });
        }
        var report = await Send(signal.Step, outgoing);
        ReturnOwned(owned);
        return report;
    }

    /// <summary>
    /// The weight update the layer left pending, as the follow-up of the work item that produced its signals: it runs
    /// on the tensor thread once they are handed over. A failure there fails the layer's next work item
    /// (<see cref="ThrowIfUpdateFailed"/>), since the weights are no longer what training made them.
    /// </summary>
    private Action? PendingUpdateOf(Layer layer, string jobId, int index)
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
                logger.LogWarning("layer {Layer} failed updating step {Step}: {Reason}", e.Layer, e.Step, e.Reason);
                _failedUpdate = new LayerFailedException(e.Layer, e.Step, $"its weight update failed: {e.Reason}");
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "layer {Layer} failed updating", index);
                _failedUpdate = new LayerFailedException(index, -1, $"its weight update failed: {e.Message}");
            }
            RecordWork(jobId, index, started, "update", 0);
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
            span.SetTag(CountercurrentTelemetry.Tags.Job, _setup!.Spec.JobId)
                .SetTag(CountercurrentTelemetry.Tags.Layer, Index)
                .SetTag(CountercurrentTelemetry.Tags.Step, step)
                .SetTag(CountercurrentTelemetry.Tags.Phase, phase.ToString())
                .SetTag(CountercurrentTelemetry.Tags.Rule, _setup.Layer.Rule)
                .SetTag(CountercurrentTelemetry.Tags.Device, _setup.Device)
                .SetTag(CountercurrentTelemetry.Tags.Silo, silo.Name);
        }
        return span;
    }

    private static void RecordWork(string jobId, int layer, long started, string kind, long bytes)
    {
        var tags = new TagList
        {
            { CountercurrentTelemetry.Tags.Job, jobId },
            { CountercurrentTelemetry.Tags.Layer, layer },
            { "kind", kind },
        };
        CountercurrentTelemetry.LayerDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
        if (bytes > 0)
        {
            CountercurrentTelemetry.BytesSent.Add(bytes, tags);
        }
    }

    public Task<byte[]> SaveState()
    {
        var layer = Configured(-1);
        return _thread!.Run(() =>
        {
            ThrowIfUpdateFailed();
            return layer.SaveState();
        });
    }

    public async Task SaveCheckpoint(long checkpoint)
    {
        var state = await SaveState();
        var started = Stopwatch.GetTimestamp();
        await checkpoints.Write(_setup!.Spec.JobId, checkpoint, Index, state);
        CountercurrentTelemetry.CheckpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("operation", "save"), new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, _setup.Spec.JobId));
    }

    public async Task RestoreCheckpoint(long checkpoint)
    {
        var setup = _setup ?? throw new LayerFailedException(LayerKey.Parse(this.GetPrimaryKeyString()).Index, -1, "restore before configure", stateLost: true);
        var started = Stopwatch.GetTimestamp();
        var state = await checkpoints.Read(setup.Spec.JobId, checkpoint, setup.Index);
        var previous = _layer;
        var device = _device;
        // A fresh layer: no stash of a step after the checkpoint survives into the replay.
        _layer = await _thread!.Run(() =>
        {
            previous?.Dispose();
            _failedUpdate = null;
            var layer = new Layer(new LayerContext(setup.Spec, setup.Chain, setup.Index, device));
            layer.LoadState(state);
            return layer;
        });
        CountercurrentTelemetry.CheckpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("operation", "restore"), new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, setup.Spec.JobId));
    }

    private static bool SameLayer(LayerSetup current, LayerSetup next) =>
        current.Spec.JobId == next.Spec.JobId && current.Index == next.Index && current.Device == next.Device;

    public Task<LayerResources> GetResources() =>
        Task.FromResult(new LayerResources(ProcessMemory.Snapshot(silo.Name), _bytesSent));

    public Task ArmFault(long step)
    {
        _faultStep = step;
        return Task.CompletedTask;
    }

    public Task ArmStateLoss(long step)
    {
        _stateLossStep = step;
        return Task.CompletedTask;
    }

    /// <summary>The armed state loss: the layer frees everything, so this call fails as a reactivated empty layer's would.</summary>
    private void LoseStateIfArmed(long step)
    {
        if (step == _stateLossStep)
        {
            _stateLossStep = long.MinValue;
            logger.LogWarning("layer {Layer} drops its state at step {Step} (armed for testing)", Index, step);
            Free();
        }
    }

    public Task Release()
    {
        Free();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Free();
        return Task.CompletedTask;
    }

    /// <summary>Disposes the layer on its own thread, after any work still queued there, then ends the thread.</summary>
    private void Free()
    {
        if (_thread is null)
        {
            return;
        }
        var layer = _layer;
        _ = _thread.Run(() =>
        {
            layer?.Dispose();
            return true;
        });
        _thread.Dispose();
        _thread = null;
        _layer = null;
        _setup = null;
    }

    private Layer Configured(long step) =>
        _layer ?? throw new LayerFailedException(LayerKey.Parse(this.GetPrimaryKeyString()).Index, step, "the layer has no state (released, or its silo died and it was reactivated)", stateLost: true);

    /// <summary>Runs one signal's work; any failure (a bad payload in or out, the rule) becomes a failure of this layer at this step.</summary>
    private T Handle<T>(long step, int index, Func<T> handle)
    {
        if (step == _faultStep)
        {
            throw new LayerFailedException(index, step, "fault injected for testing");
        }
        ThrowIfUpdateFailed();
        try
        {
            return handle();
        }
        catch (LayerStepException e)
        {
            logger.LogWarning("layer {Layer} failed at step {Step}: {Reason}", e.Layer, e.Step, e.Reason);
            throw new LayerFailedException(e.Layer, e.Step, e.Reason);
        }
        catch (InvalidPayloadException e)
        {
            throw new LayerFailedException(index, step, e.Message);
        }
    }

    private async Task<StepReport> Send(long step, Outgoing outgoing)
    {
        _bytesSent += outgoing.Bytes(Index);
        var calls = new List<Task<StepReport>>(2);
        if (outgoing.Up is not null)
        {
            calls.Add(_above!.Forward(outgoing.Up));
        }
        if (outgoing.Down is not null)
        {
            calls.Add(_below!.Feedback(outgoing.Down));
        }
        if (outgoing.Broadcast is not null)
        {
            calls.AddRange(_allBelow.Select(layer => layer.Feedback(outgoing.Broadcast)));
        }
        var own = new StepReport(step, outgoing.Loss is { } loss ? [new LayerLoss(Index, loss)] : [], outgoing.Eval);
        if (calls.Count == 0)
        {
            return own;
        }
        var reports = await Task.WhenAll(calls);
        // Every receiver has copied (or Orleans has serialised) the bytes: the arrays can carry the next step's signals.
        outgoing.ReturnBuffers();
        return StepReport.Merge(step, reports.Prepend(own));
    }

    private LayerPlacementInfo Describe() =>
        new(silo.Name, silo.SiloAddress.ToString(), _setup?.Device ?? "", _setup?.Layer.ToString() ?? "");

    /// <summary>The signals a rule's output turns into, converted to payloads while its tensors were alive.</summary>
    private sealed record Outgoing(ForwardSignal? Up, FeedbackSignal? Down, FeedbackSignal? Broadcast, float? Loss, EvalTally? Eval)
    {
        /// <summary>Payload bytes this layer sends (a broadcast counts once per receiver).</summary>
        public long Bytes(int receiversBelow) =>
            (Up?.Activation.Data.LongLength ?? 0) + (Down?.Signal.Data.LongLength ?? 0) + (Broadcast?.Signal.Data.LongLength ?? 0) * receiversBelow;

        public static Outgoing From(string jobId, RuleOutput output, int layer, ForwardSignal? received, ForwardBatch? receivedBatch) => new(
            output.Up is null ? null : SignalConversion.ToSignal(jobId, output.Up, received, receivedBatch, layer, PayloadBufferPool.Shared),
            output.Down is null ? null : SignalConversion.ToSignal(jobId, output.Down, layer, PayloadBufferPool.Shared),
            output.Broadcast is null ? null : SignalConversion.ToSignal(jobId, output.Broadcast, layer, PayloadBufferPool.Shared),
            output.Loss,
            output.Eval);

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
