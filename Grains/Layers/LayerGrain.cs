using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Checkpoints;
using Countercurrent.Grains.Signals;
using Countercurrent.Learning.Telemetry;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// One layer of one job: a thin adapter that places, configures, checkpoints and frees a <see cref="LayerWorker"/>,
/// which does the layer's work and passes its signals on.
/// <para>
/// Reentrant, because a layer must take the feedback of step s (and the forward of step s+1) while its own call for
/// step s is still waiting on the layers above. Layers only call their neighbours and never the job, so calls cannot
/// wait on each other in a cycle. Signals from a co-located neighbour reach the worker without a grain call, so they
/// do not count as activity: a timer keeps the grain from being collected as idle while they arrive.
/// </para>
/// </summary>
[Reentrant]
public sealed class LayerGrain(
    ILocalSiloDetails silo, ICheckpointStore checkpoints, CoreBudget cores, TensorThreadPool threads, LocalLayers local, SignalLinks links, ILogger<LayerGrain> logger)
    : Grain, ILayerGrain
{
    /// <summary>How often the grain looks for signals that came straight from a neighbour, and keeps itself alive twice as long.</summary>
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromMinutes(1);

    private LayerWorker? _worker;
    private IGrainTimer? _keepAlive;
    private long _bytesSent;
    private long _faultStep = long.MinValue;
    private long _stateLossStep = long.MinValue;

    private int KeyIndex => LayerKey.Parse(this.GetPrimaryKeyString()).Index;

    public async Task<LayerPlacementInfo> Configure(LayerSetup setup)
    {
        if (_worker is not { IsLive: true } current || !SameLayer(current.Setup, setup))
        {
            var previous = _worker;
            previous?.Free();
            _worker = null;
            _bytesSent = previous?.BytesSent ?? _bytesSent;
            _worker = await LayerWorker.Start(setup, cores, threads, local, links, GrainFactory, silo.Name, _bytesSent, _faultStep, _stateLossStep, logger);
            _stateLossStep = long.MinValue; // once: the worker drops its state at that step, and its successor does not
            _keepAlive ??= this.RegisterGrainTimer(KeepAliveWhileSignalled,
                new GrainTimerCreationOptions(KeepAlivePeriod, KeepAlivePeriod) { Interleave = true });
            logger.LogInformation("{Layer} of job {Job} on {Silo}/{Device}", setup.Layer, setup.Spec.JobId, silo.Name, setup.Device);
        }
        return Describe();
    }

    public Task<StepReport> Forward(ForwardSignal signal) => Worker(signal.Step).Forward(signal);

    public Task<StepReport> Feedback(FeedbackSignal signal) => Worker(signal.Step).Feedback(signal);

    public Task<string?> GetSignalEndpoint() => Task.FromResult(links.Endpoint?.ToString());

    public Task<byte[]> SaveState() => Worker(-1).SaveState();

    public async Task SaveCheckpoint(long checkpoint)
    {
        var worker = Worker(-1);
        var state = await worker.SaveState();
        var started = Stopwatch.GetTimestamp();
        await checkpoints.Write(worker.Setup.Spec.JobId, checkpoint, worker.Index, state);
        CountercurrentTelemetry.CheckpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("operation", "save"), new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, worker.Setup.Spec.JobId));
    }

    public async Task RestoreCheckpoint(long checkpoint)
    {
        var worker = _worker is { IsLive: true } live ? live : throw new LayerFailedException(KeyIndex, -1, "restore before configure", stateLost: true);
        var started = Stopwatch.GetTimestamp();
        var state = await checkpoints.Read(worker.Setup.Spec.JobId, checkpoint, worker.Index);
        await worker.Restore(state);
        CountercurrentTelemetry.CheckpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>("operation", "restore"), new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, worker.Setup.Spec.JobId));
    }

    private static bool SameLayer(LayerSetup current, LayerSetup next) =>
        current.Spec.JobId == next.Spec.JobId && current.Index == next.Index && current.Device == next.Device;

    public Task<LayerResources> GetResources() =>
        Task.FromResult(new LayerResources(ProcessMemory.Snapshot(silo.Name), _worker?.BytesSent ?? _bytesSent));

    public Task ArmFault(long step)
    {
        _faultStep = step;
        _worker?.ArmFault(step);
        return Task.CompletedTask;
    }

    public Task ArmStateLoss(long step)
    {
        if (_worker is { IsLive: true } worker)
        {
            worker.ArmStateLoss(step);
        }
        else
        {
            _stateLossStep = step;
        }
        return Task.CompletedTask;
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

    private void Free()
    {
        _worker?.Free();
        _bytesSent = _worker?.BytesSent ?? _bytesSent;
        _worker = null;
        _keepAlive?.Dispose();
        _keepAlive = null;
    }

    /// <summary>Signals that came straight from a neighbour since the last tick keep the grain alive.</summary>
    private Task KeepAliveWhileSignalled(CancellationToken cancel)
    {
        if (_worker?.TakeSignals() == true)
        {
            DelayDeactivation(2 * KeepAlivePeriod);
        }
        return Task.CompletedTask;
    }

    private LayerWorker Worker(long step) =>
        _worker is { IsLive: true } worker
            ? worker
            : throw new LayerFailedException(KeyIndex, step, "the layer has no state (released, or its silo died and it was reactivated)", stateLost: true);

    private LayerPlacementInfo Describe() =>
        new(silo.Name, silo.SiloAddress.ToString(), _worker?.Setup.Device ?? "", _worker?.Setup.Layer.ToString() ?? "");
}
