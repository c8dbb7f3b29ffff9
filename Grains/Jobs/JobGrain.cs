using System.Diagnostics;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Data;
using Countercurrent.Grains.Layers;
using Countercurrent.Grains.Placement;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using Countercurrent.Learning.Telemetry;
using Countercurrent.Learning.Training;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Placement;
using Orleans.Runtime;

namespace Countercurrent.Grains.Jobs;

/// <summary>
/// Coordinates one job: validates the spec, places and configures the layers, feeds batches with at most
/// StepsInFlight steps in the pipeline, evaluates after each epoch and keeps the persisted status. Activations never
/// pass through here: a step is one call into layer 0 (and, for target-driven rules, one into the top layer) that
/// returns when every layer has handled the step.
/// <para>
/// Reentrant so that status queries and cancellation are answered while the training loop awaits its steps. Only the
/// training loop changes training progress; the other methods read a snapshot or set the cancellation flag.
/// </para>
/// </summary>
[Reentrant]
public sealed class JobGrain(
    [PersistentState("job", JobGrain.StorageName)] IPersistentState<JobStatus> state,
    DatasetCache datasets,
    ClusterDirectory cluster,
    ILogger<JobGrain> logger) : Grain, IJobGrain
{
    public const string StorageName = "jobs";

    private Task? _training;
    private volatile bool _cancelRequested;

    private JobStatus Status
    {
        get => state.State;
        set => state.State = value;
    }

    public async Task<JobStatus> Start(JobSpec spec)
    {
        var jobId = this.GetPrimaryKeyString();
        if (spec.JobId.Length > 0 && spec.JobId != jobId)
        {
            throw new JobSpecException("jobId", $"'{spec.JobId}' does not match the job grain '{jobId}'");
        }
        spec = spec with { JobId = jobId };
        var chain = JobSpecValidator.Validate(spec);
        if (Status.Spec is not null || !await GrainFactory.GetGrain<IJobRegistryGrain>(0).TryRegister(jobId))
        {
            throw new JobSpecException("jobId", $"a job with id '{jobId}' already exists; pick another id");
        }
        DatasetPair data;
        try
        {
            data = datasets.Get(spec);
        }
        catch (DataFormatException e)
        {
            throw new JobSpecException("dataset", e.Message);
        }
        var silos = await cluster.ActiveSilos();
        var plan = PlacementPlanner.Plan(chain.Length, spec.Placement, silos.Select(s => s.Silo).ToList());
        var addresses = silos.ToDictionary(s => s.Silo.Name, s => s.Address);
        var placed = await Task.WhenAll(plan.Select(p => ConfigureLayer(spec, chain, p, addresses[p.Silo.Name])));

        Status = new JobStatus
        {
            JobId = jobId,
            State = JobState.Running,
            Spec = spec,
            StepsPerEpoch = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, 0, maxSteps: spec.MaxStepsPerEpoch).StepCount,
            Layers = placed.Select((p, i) => new LayerStatus(i, chain[i].ToString(), chain[i].Rule, p.Silo, p.Device, float.NaN)).ToArray(),
            StartedAt = DateTimeOffset.UtcNow,
        };
        await state.WriteStateAsync();
        logger.LogInformation("job {Job} started: {Layers} layers on {Silos}", jobId, chain.Length, string.Join(", ", placed.Select(p => p.Silo).Distinct()));
        _training = Train(spec, chain, data);
        return Status;
    }

    public Task<JobStatus> GetStatus()
    {
        var status = Status;
        return Task.FromResult(status.JobId.Length > 0 ? status : status with { JobId = this.GetPrimaryKeyString() });
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

    private Task<LayerPlacementInfo> ConfigureLayer(JobSpec spec, LayerSpec[] chain, PlannedLayer plan, SiloAddress silo)
    {
        var layer = GrainFactory.GetGrain<ILayerGrain>(LayerKey.For(spec.JobId, plan.Layer));
        // The hint decides where the grain is activated; it is read when the call is made, so it is removed right after.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return layer.Configure(new LayerSetup(spec, chain, plan.Layer, plan.Device));
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    private async Task Train(JobSpec spec, LayerSpec[] chain, DatasetPair data)
    {
        // Started inside the Start call: without this every step would join that call's trace.
        Activity.Current = null;
        var layers = Enumerable.Range(0, chain.Length).Select(i => GrainFactory.GetGrain<ILayerGrain>(LayerKey.For(spec.JobId, i))).ToArray();
        var steps = new StepFeeder(spec, chain, layers);
        var losses = new LossAverager(chain.Length);
        var curve = new LossCurveRecorder(chain.Length, Status.StepsPerEpoch);
        try
        {
            for (var epoch = Status.Epoch; epoch < spec.Epochs && !_cancelRequested; epoch++)
            {
                DelayDeactivation(TimeSpan.FromHours(2));
                var order = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, epoch, maxSteps: spec.MaxStepsPerEpoch);
                losses.Reset();
                var clock = Stopwatch.StartNew();
                long samples = 0;
                var window = new StepWindow(spec.StepsInFlight);
                for (var s = 0; s < order.StepCount && !_cancelRequested; s++)
                {
                    var indices = order.Batch(s).ToArray();
                    samples += indices.Length;
                    foreach (var report in await window.Start(() => steps.Train((long)epoch * order.StepCount + s, data.Train, indices)))
                    {
                        Record(report, losses, curve, epoch, samples, clock, window.Count);
                    }
                }
                foreach (var report in await window.Drain())
                {
                    Record(report, losses, curve, epoch, samples, clock, window.Count);
                }
                if (_cancelRequested)
                {
                    break;
                }
                var seconds = clock.Elapsed.TotalSeconds;
                var eval = await steps.Evaluate(data.Test, spec.MaxEvalSamples, Status.StepsDone);
                var result = new EpochResult(epoch + 1, losses.Means(), (double)eval.Correct / eval.Count, eval.LossSum / eval.Count, samples / seconds, seconds);
                CountercurrentTelemetry.SamplesPerSecond.Record(result.SamplesPerSecond, new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, spec.JobId));
                Status = Status with { Epoch = epoch + 1, StepInEpoch = 0, History = [.. Status.History, result], StepsInFlight = 0 };
                await state.WriteStateAsync();
                logger.LogInformation("job {Job} epoch {Epoch}: test accuracy {Accuracy:0.0000}, {Rate:N0} samples/s", spec.JobId, epoch + 1, result.TestAccuracy, result.SamplesPerSecond);
            }
            await Finish(_cancelRequested ? JobState.Cancelled : JobState.Completed, null, layers, release: _cancelRequested);
        }
        catch (Exception e)
        {
            var failure = e is LayerFailedException f ? new JobFailure(f.Reason, f.Layer, f.Step) : new JobFailure(e.Message);
            logger.LogWarning("job {Job} failed: {Failure}", spec.JobId, failure);
            await Finish(JobState.Failed, failure, layers, release: true);
        }
    }

    private void Record(StepReport report, LossAverager losses, LossCurveRecorder curve, int epoch, long samples, Stopwatch clock, int inFlight)
    {
        losses.Add(report.Losses);
        var point = curve.Add(Status.StepsDone + 1, report.Losses);
        foreach (var (layer, loss) in report.Losses)
        {
            CountercurrentTelemetry.LayerLoss.Record(loss,
                new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Job, Status.JobId),
                new KeyValuePair<string, object?>(CountercurrentTelemetry.Tags.Layer, layer));
        }
        var latest = losses.Latest;
        Status = Status with
        {
            Epoch = epoch,
            StepInEpoch = Status.StepInEpoch + 1,
            StepsDone = Status.StepsDone + 1,
            SamplesPerSecond = samples / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
            StepsInFlight = inFlight,
            LossCurve = point is null ? Status.LossCurve : [.. Status.LossCurve, point],
            Layers = report.Losses.Length == 0 ? Status.Layers : Status.Layers.Select((l, i) => l with { LastLoss = latest[i] }).ToArray(),
        };
    }

    private async Task Finish(JobState final, JobFailure? failure, ILayerGrain[] layers, bool release)
    {
        Status = Status with { State = final, Failure = failure, FinishedAt = DateTimeOffset.UtcNow, StepsInFlight = 0 };
        await state.WriteStateAsync();
        if (release)
        {
            await Task.WhenAll(layers.Select(async l =>
            {
                try
                {
                    await l.Release();
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "releasing a layer of job {Job} failed", Status.JobId);
                }
            }));
        }
    }
}
