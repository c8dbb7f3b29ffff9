using System.Diagnostics;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Checkpoints;
using Countercurrent.Grains.Data;
using Countercurrent.Grains.Layers;
using Countercurrent.Grains.Placement;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Telemetry;
using Countercurrent.Learning.Training;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Countercurrent.Grains.Jobs;

/// <summary>
/// Coordinates one job: validates the spec, places and configures the layers, feeds batches with at most
/// StepsInFlight steps in the pipeline, evaluates after each epoch, takes checkpoints and keeps the persisted status.
/// Activations never pass through here: a step is one call into layer 0 (and, for target-driven rules, one into the
/// top layer) that returns when every layer has handled the step.
/// <para>
/// Checkpoints: at the start, every CheckpointEvery steps and after each epoch, with no step in flight, every layer
/// writes its state under a new id; the id is committed (persisted in the status) only after all wrote. When a layer
/// loses its state (its silo died) or a call fails because a silo is gone, the job waits for the cluster to settle,
/// places the layers again, restores every layer from the committed checkpoint, rewinds its position to it and goes
/// on. When the job's own activation is lost, the next call activates it elsewhere and it resumes the same way; a
/// reminder (every 10 s while the job runs) is such a call, so a job goes on by itself after a whole-cluster restart.
/// </para>
/// <para>
/// Reentrant so that status queries and cancellation are answered while the training loop awaits. Only the training
/// loop changes training progress; the other methods read a snapshot or set the cancellation flag.
/// </para>
/// </summary>
[Reentrant]
public sealed class JobGrain(
    [PersistentState("job", JobGrain.StorageName)] IPersistentState<JobStatus> state,
    DatasetCache datasets,
    ClusterDirectory cluster,
    ICheckpointStore checkpoints,
    ILocalSiloDetails silo,
    ILogger<JobGrain> logger) : Grain, IJobGrain, IRemindable
{
    public const string StorageName = "jobs";

    /// <summary>
    /// The reminder a running job keeps: its ticks activate the grain when nothing else would (after the whole cluster
    /// restarted, no client attached), and activation resumes the job (<see cref="OnActivateAsync"/>).
    /// </summary>
    public const string KeepRunningReminder = "keep-running";

    /// <summary>
    /// How often <see cref="KeepRunningReminder"/> ticks, so how long a job may wait after its cluster is back. A tick
    /// is a grain call on the job's silo; the reminder table is written only when the job starts and ends.
    /// </summary>
    public static readonly TimeSpan KeepRunningPeriod = TimeSpan.FromSeconds(10);

    /// <summary>How long a recovery waits for the cluster to settle (a dead silo to be declared dead) before the job fails.</summary>
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromMinutes(3);
    private const int MaxRecoveries = 10;

    private Task? _training;
    private volatile bool _cancelRequested;
    private long _bytesReported;

    private JobStatus Status
    {
        get => state.State;
        set => state.State = value;
    }

    private string JobId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Status.State == JobState.Running && Status.Spec is { } spec)
        {
            // The previous activation died with its silo (or the whole cluster restarted): go on from the checkpoint.
            logger.LogWarning("job {Job} was running when its coordinator was lost; resuming from checkpoint {Checkpoint}", JobId, Status.Checkpoint?.Id);
            _training = Train(spec, JobSpecValidator.Validate(spec), resumeReason: "the job's coordinator was reactivated (its silo died or the cluster restarted)");
        }
        return Task.CompletedTask;
    }

    public async Task<JobStatus> Start(JobSpec spec)
    {
        if (spec.JobId.Length > 0 && spec.JobId != JobId)
        {
            throw new JobSpecException("jobId", $"'{spec.JobId}' does not match the job grain '{JobId}'");
        }
        spec = spec with { JobId = JobId };
        var chain = JobSpecValidator.Validate(spec);
        if (Status.Spec is not null || !await GrainFactory.GetGrain<IJobRegistryGrain>(0).TryRegister(JobId))
        {
            throw new JobSpecException("jobId", $"a job with id '{JobId}' already exists; pick another id");
        }
        DatasetPair data;
        LayerPlacementInfo[] placed;
        try
        {
            data = LoadData(spec);
            placed = await PlaceLayers(spec, chain, spec.Placement);
        }
        catch
        {
            // Refused (a pin to an unknown silo or device, a bad dataset) or failed while placing: the id was
            // registered but the job never existed, so take the id back and free any layer configured already.
            await ReleaseLayers(chain.Length);
            await GrainFactory.GetGrain<IJobRegistryGrain>(0).Unregister(JobId);
            throw;
        }
        Status = new JobStatus
        {
            JobId = JobId,
            State = JobState.Running,
            Spec = spec,
            StepsPerEpoch = StepsPerEpoch(spec, data),
            Layers = placed.Select((p, i) => new LayerStatus(i, chain[i].ToString(), chain[i].Rule, p.Silo, p.Device, float.NaN)).ToArray(),
            StartedAt = DateTimeOffset.UtcNow,
            JobSilo = silo.Name,
        };
        await state.WriteStateAsync();
        logger.LogInformation("job {Job} started: {Layers} layers on {Silos}", JobId, chain.Length, string.Join(", ", placed.Select(p => p.Silo).Distinct()));
        _training = Train(spec, chain, resumeReason: null);
        return Status;
    }

    public Task<JobStatus> GetStatus()
    {
        var status = Status;
        return Task.FromResult(status.JobId.Length > 0 ? status : status with { JobId = JobId });
    }

    public async Task<JobStatus> Cancel()
    {
        _cancelRequested = true;
        if (_training is { } training)
        {
            await training;
        }
        return Status;
    }

    /// <summary>A running job started training when this activation did (<see cref="OnActivateAsync"/>); nothing more to do.</summary>
    public async Task<JobStatus> Resume()
    {
        if (Status.IsFinished)
        {
            throw new JobStateException(JobId, Status.State, $"job {JobId} is {Status.State} ({Status.Position()}); only a running job can be resumed");
        }
        return await GetStatus();
    }

    public async Task<byte[]> ExportLayer(long checkpoint, int layer)
    {
        if (checkpoint != Status.Checkpoint?.Id && checkpoint != Status.Best?.Id)
        {
            throw new CheckpointMissingException($"job {JobId} no longer keeps checkpoint {checkpoint} (it keeps {(Kept(Status) is { Length: > 0 } kept ? string.Join(" and ", kept) : "none")})");
        }
        if (layer < 0 || layer >= Status.Layers.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"job {JobId} has layers 0..{Status.Layers.Length - 1}");
        }
        return await checkpoints.Read(JobId, checkpoint, layer);
    }

    public async Task DeleteCheckpoints()
    {
        if (Status.Spec is not null && !Status.IsFinished)
        {
            throw new JobStateException(JobId, Status.State, $"job {JobId} is {Status.State}; its checkpoints are deleted only once it has finished");
        }
        await checkpoints.DeleteExcept(JobId, []);
        if (Status.Checkpoint is not null || Status.Best is not null)
        {
            Status = Status with { Checkpoint = null, Best = null };
            await state.WriteStateAsync();
        }
    }

    private DatasetPair LoadData(JobSpec spec)
    {
        try
        {
            return datasets.Get(spec);
        }
        catch (DataFormatException e)
        {
            throw new JobSpecException("dataset", e.Message);
        }
    }

    private static long StepsPerEpoch(JobSpec spec, DatasetPair data) =>
        new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, 0, maxSteps: spec.MaxStepsPerEpoch).StepCount;

    /// <summary>Plans where each layer runs over the active silos and configures every layer grain there.</summary>
    private async Task<LayerPlacementInfo[]> PlaceLayers(JobSpec spec, LayerSpec[] chain, IReadOnlyList<LayerPlacement> pins)
    {
        var silos = await cluster.ActiveSilos();
        var plan = PlacementPlanner.Plan(chain, pins, silos.Select(s => s.Silo).ToList(), firstSilo: silo.Name);
        var addresses = silos.ToDictionary(s => s.Silo.Name, s => s.Address);
        return await Task.WhenAll(plan.Select(p => ConfigureLayer(spec, chain, p, addresses[p.Silo.Name])));
    }

    private Task<LayerPlacementInfo> ConfigureLayer(JobSpec spec, LayerSpec[] chain, PlannedLayer plan, SiloAddress target)
    {
        var layer = Layer(plan.Layer);
        // The hint decides where the grain is activated; it is read when the call is made, so it is removed right after.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        try
        {
            return layer.Configure(new LayerSetup(spec, chain, plan.Layer, plan.Device));
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    private ILayerGrain Layer(int index) => GrainFactory.GetGrain<ILayerGrain>(LayerKey.For(JobId, index));

    private async Task Train(JobSpec spec, LayerSpec[] chain, string? resumeReason)
    {
        // Started inside a grain call: without this every step would join that call's trace.
        Activity.Current = null;
        var layers = Enumerable.Range(0, chain.Length).Select(Layer).ToArray();
        await KeepRunning();
        try
        {
            var data = LoadData(spec);
            if (resumeReason is not null)
            {
                await Recover(spec, chain, resumeReason);
            }
            else
            {
                await Checkpoint(layers);
            }
            var recoveries = 0;
            while (true)
            {
                try
                {
                    await RunEpochs(spec, chain, data, layers);
                    break;
                }
                catch (Exception e) when (IsRecoverable(e) && !_cancelRequested && ++recoveries <= MaxRecoveries)
                {
                    logger.LogWarning("job {Job} lost a layer or silo ({Reason}); recovering from checkpoint {Checkpoint}", JobId, e.Message, Status.Checkpoint?.Id);
                    await Recover(spec, chain, e.Message);
                }
            }
            await Finish(_cancelRequested ? JobState.Cancelled : JobState.Completed, null, layers);
        }
        catch (Exception e)
        {
            var failure = e is LayerFailedException f ? new JobFailure(f.Reason, f.Layer, f.Step) : new JobFailure(e.Message);
            logger.LogWarning("job {Job} failed: {Failure}", JobId, failure);
            await Finish(JobState.Failed, failure, layers);
        }
    }

    /// <summary>Trains from the current position (possibly mid-epoch, after a restore) to the last epoch.</summary>
    private async Task RunEpochs(JobSpec spec, LayerSpec[] chain, DatasetPair data, ILayerGrain[] layers)
    {
        var steps = new StepFeeder(spec, chain, layers);
        while (Status.Epoch < spec.Epochs && !_cancelRequested)
        {
            var epoch = Status.Epoch;
            var order = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, epoch, maxSteps: spec.MaxStepsPerEpoch);
            var losses = new LossAverager(chain.Length);
            var curve = new LossCurveRecorder(chain.Length, order.StepCount);
            var clock = Stopwatch.StartNew();
            long samples = 0;
            // Rewound to a mid-epoch checkpoint: the tallies go on from the ones it holds, so the epoch's figures cover it all.
            var secondsBefore = 0.0;
            if (Status.StepInEpoch > 0 && Status.Checkpoint is { EpochSoFar: { } soFar } c && c.Epoch == epoch && c.StepInEpoch == Status.StepInEpoch)
            {
                losses.Restore(soFar.LossSums, soFar.LossCounts);
                samples = soFar.Samples;
                secondsBefore = soFar.Seconds;
            }
            double Seconds() => secondsBefore + clock.Elapsed.TotalSeconds;
            var window = new StepWindow(spec.StepsInFlight);
            var started = Status.StepsDone;
            for (var s = (int)Status.StepInEpoch; s < order.StepCount && !_cancelRequested; s++, started++)
            {
                if (spec.CheckpointEvery > 0 && started % spec.CheckpointEvery == 0 && started > (Status.Checkpoint?.StepsDone ?? 0))
                {
                    foreach (var report in await window.Drain())
                    {
                        Record(report, losses, curve, samples, Seconds(), 0);
                    }
                    await Checkpoint(layers, () => new EpochProgress(samples, Seconds(), losses.Sums, losses.Counts));
                }
                var indices = order.Batch(s).ToArray();
                samples += indices.Length;
                var step = (long)epoch * order.StepCount + s;
                foreach (var report in await window.Start(() => steps.Train(step, data.Train, indices)))
                {
                    Record(report, losses, curve, samples, Seconds(), window.Count);
                }
            }
            foreach (var report in await window.Drain())
            {
                Record(report, losses, curve, samples, Seconds(), 0);
            }
            if (_cancelRequested)
            {
                return;
            }
            var seconds = Seconds();
            // One evaluation after the other: each drains its window, so their steps never overlap on a layer.
            var validation = data.Validation is { } held ? await steps.Evaluate(held, spec.MaxEvalSamples, validation: true) : null;
            var eval = await steps.Evaluate(data.Test, spec.MaxEvalSamples);
            var (resources, bytes) = await Resources(layers);
            var result = new EpochResult(epoch + 1, losses.Means(), eval.Accuracy, eval.MeanLoss, samples / seconds, seconds, resources, bytes,
                ValidationAccuracy: validation?.Accuracy, ValidationLoss: validation?.MeanLoss);
            CountercurrentTelemetry.SamplesPerSecond.Record(result.SamplesPerSecond, new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, JobId));
            Status = Status with { Epoch = epoch + 1, StepInEpoch = 0, History = [.. Status.History, result], StepsInFlight = 0 };
            await Checkpoint(layers);
            logger.LogInformation("job {Job} epoch {Epoch}: test accuracy {Accuracy:0.0000}, validation loss {ValidationLoss:0.0000}, {Rate:N0} samples/s",
                JobId, epoch + 1, result.TestAccuracy, result.ValidationLoss, result.SamplesPerSecond);
        }
    }

    private void Record(StepReport report, LossAverager losses, LossCurveRecorder curve, long samples, double seconds, int inFlight)
    {
        // Nothing may call the job while it trains; it must not be collected as idle meanwhile.
        DelayDeactivation(TimeSpan.FromMinutes(30));
        losses.Add(report.Losses);
        foreach (var (layer, loss) in report.Losses)
        {
            CountercurrentTelemetry.LayerLoss.Record(loss,
                new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, JobId),
                new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Layer, layer));
        }
        var point = curve.Add(Status.StepsDone + 1, report.Losses);
        var latest = losses.Latest;
        Status = Status with
        {
            StepInEpoch = Status.StepInEpoch + 1,
            StepsDone = Status.StepsDone + 1,
            SamplesPerSecond = samples / Math.Max(seconds, 1e-9),
            StepsInFlight = inFlight,
            Layers = report.Losses.Length == 0 ? Status.Layers : Status.Layers.Select((l, i) => float.IsNaN(latest[i]) ? l : l with { LastLoss = latest[i] }).ToArray(),
            LossCurve = point is null ? Status.LossCurve : [.. Status.LossCurve, point],
        };
    }

    /// <summary>Memory of each process hosting layers, and the payload bytes the layers sent since the last call.</summary>
    private async Task<(ProcessResources[] Processes, long BytesSent)> Resources(ILayerGrain[] layers)
    {
        var reports = await Task.WhenAll(layers.Select(l => l.GetResources()));
        var total = reports.Sum(r => r.BytesSent);
        var sent = Math.Max(0, total - _bytesReported);
        _bytesReported = total;
        return (reports.Select(r => r.Process).DistinctBy(p => p.Process).OrderBy(p => p.Process, StringComparer.Ordinal).ToArray(), sent);
    }

    /// <summary>
    /// With no step in flight: every layer writes its state under a new id, then the id is committed. At the end of an
    /// epoch with a new lowest validation loss it is committed as the best one too. Every other checkpoint of the job
    /// is then deleted: only the latest (to resume from) and the best (the model a validation split selects) are kept.
    /// </summary>
    /// <param name="epochSoFar">For a mid-epoch checkpoint, the epoch's tallies once every layer wrote (so a rewind counts this checkpoint's time too).</param>
    private async Task Checkpoint(ILayerGrain[] layers, Func<EpochProgress>? epochSoFar = null)
    {
        using var span = CountercurrentTelemetry.Source.StartActivity("checkpoint");
        span?.SetTag(CountercurrentTelemetry.Tags.Job, JobId).SetTag(CountercurrentTelemetry.Tags.Step, Status.StepsDone);
        var id = (Status.Checkpoint?.Id ?? -1) + 1;
        await Task.WhenAll(layers.Select(l => l.SaveCheckpoint(id)));
        var taken = new CheckpointInfo(id, Status.Epoch, Status.StepInEpoch, Status.StepsDone, Status.History.Length, Status.LossCurve.Length, DateTimeOffset.UtcNow,
            Status.StepInEpoch > 0 ? epochSoFar?.Invoke() : null);
        var atEpochEnd = taken.StepInEpoch == 0 && taken.Epoch > 0 && taken.HistoryLength == taken.Epoch;
        Status = Status with
        {
            Checkpoint = taken,
            Best = atEpochEnd && BestEpoch.LastIsBest(Status.History) ? taken : Status.Best,
        };
        await state.WriteStateAsync();
        await checkpoints.DeleteExcept(JobId, Kept(Status));
    }

    /// <summary>
    /// Places the layers again over the silos that are alive, restores all of them from the committed checkpoint and
    /// rewinds the job to it. Retries while the cluster settles (a dead silo is declared dead only after missed probes).
    /// </summary>
    private async Task Recover(JobSpec spec, LayerSpec[] chain, string reason)
    {
        var from = Status.Checkpoint ?? throw new InvalidOperationException($"job {JobId} cannot recover ({reason}): no checkpoint was committed");
        var deadline = DateTime.UtcNow + RecoveryDeadline;
        LayerPlacementInfo[] placed;
        while (true)
        {
            try
            {
                var active = (await cluster.ActiveSilos()).Select(s => s.Silo.Name).ToHashSet();
                // A layer pinned to a silo that is gone goes wherever the planner puts it.
                var pins = spec.Placement.Where(p => p.Silo.Length == 0 || active.Contains(p.Silo)).ToList();
                placed = await PlaceLayers(spec, chain, pins);
                await Task.WhenAll(Enumerable.Range(0, chain.Length).Select(i => Layer(i).RestoreCheckpoint(from.Id)));
                break;
            }
            catch (Exception e) when (e is not JobSpecException && e is not CheckpointMissingException && DateTime.UtcNow < deadline)
            {
                logger.LogInformation("job {Job}: cluster not settled yet ({Error}); retrying", JobId, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
        var moved = placed.Select((p, i) => (p, i))
            .Where(x => Status.Layers[x.i].Silo != x.p.Silo)
            .Select(x => new LayerMove(x.i, Status.Layers[x.i].Silo, x.p.Silo))
            .ToArray();
        var record = new RecoveryRecord(DateTimeOffset.UtcNow, reason, from.Id, moved, Status.StepsDone - from.StepsDone);
        // The best checkpoint is committed with (never after) the latest, so it is never past the one restored; if it
        // were, the history it points into is gone and so is its claim to be the best.
        var best = Status.Best is { } b && b.Id <= from.Id && b.HistoryLength <= from.HistoryLength ? b : null;
        if (best is null && Status.Best is not null)
        {
            logger.LogWarning("job {Job}: best checkpoint {Best} is past checkpoint {Checkpoint}; forgetting it", JobId, Status.Best.Id, from.Id);
        }
        Status = Status with
        {
            Best = best,
            Epoch = from.Epoch,
            StepInEpoch = from.StepInEpoch,
            StepsDone = from.StepsDone,
            History = Status.History[..from.HistoryLength],
            LossCurve = Status.LossCurve[..Math.Min(from.LossCurveLength, Status.LossCurve.Length)],
            Layers = Status.Layers.Select((l, i) => l with { Silo = placed[i].Silo, Device = placed[i].Device }).ToArray(),
            Recoveries = [.. Status.Recoveries, record],
            JobSilo = silo.Name,
            StepsInFlight = 0,
        };
        await state.WriteStateAsync();
        logger.LogWarning("job {Job} recovered from checkpoint {Checkpoint}: {Moved} layer(s) moved, {Replayed} step(s) to replay",
            JobId, from.Id, moved.Length, record.StepsReplayed);
    }

    /// <summary>A lost layer or silo can be recovered from a checkpoint; a failure of the math or the spec cannot.</summary>
    private static bool IsRecoverable(Exception e) => e switch
    {
        LayerFailedException failed => failed.StateLost,
        OrleansException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// Frees every layer (weights, optimizer state, its thread), then records the end. The model stays in the checkpoint
    /// store, where `export` reads it (a completed job's best or last checkpoint), so a silo holds nothing of a job that
    /// ended; the layers go first, so that a job seen as ended holds no memory.
    /// </summary>
    private async Task Finish(JobState final, JobFailure? failure, ILayerGrain[] layers)
    {
        await ReleaseLayers(layers.Length);
        Status = Status with { State = final, Failure = failure, FinishedAt = DateTimeOffset.UtcNow, StepsInFlight = 0 };
        await state.WriteStateAsync();
        await StopKeepingRunning();
        // A checkpoint some layers wrote but the job never committed (it failed or was cancelled while taking it) is
        // of no use: a finished job keeps only its latest and best.
        try
        {
            await checkpoints.DeleteExcept(JobId, Kept(Status));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "deleting the uncommitted checkpoints of job {Job} failed", JobId);
        }
    }

    /// <summary>A tick of <see cref="KeepRunningReminder"/>: activating the grain was the point; a finished job drops the reminder.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == KeepRunningReminder && Status.IsFinished ? StopKeepingRunning() : Task.CompletedTask;

    /// <summary>Registers <see cref="KeepRunningReminder"/>; without a reminder service the job runs, but after a whole-cluster restart only a call resumes it.</summary>
    private async Task KeepRunning()
    {
        try
        {
            await this.RegisterOrUpdateReminder(KeepRunningReminder, KeepRunningPeriod, KeepRunningPeriod);
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job} has no reminder ({Reason}): after a whole-cluster restart it goes on only when called (resume)", JobId, e.Message);
        }
    }

    private async Task StopKeepingRunning()
    {
        try
        {
            if (await this.GetReminder(KeepRunningReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning("job {Job} could not drop its reminder ({Reason}); its next tick tries again", JobId, e.Message);
        }
    }

    private static long[] Kept(JobStatus status) => [.. new[] { status.Checkpoint?.Id, status.Best?.Id }.OfType<long>().Distinct()];

    private async Task ReleaseLayers(int count)
    {
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            try
            {
                await Layer(i).Release();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "releasing layer {Layer} of job {Job} failed", i, JobId);
            }
        }));
    }
}
