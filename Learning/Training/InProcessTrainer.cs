using System.Diagnostics;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Training;

/// <summary>
/// Trains a job's chain of layers in this process with no Orleans, one step at a time: the baseline that training on
/// grains must match, and the `train --in-process` mode. With a validation set it evaluates it at every epoch end, keeps
/// the layers' states of the epoch with the lowest validation loss, and ends with them.
/// </summary>
public sealed class InProcessTrainer : IDisposable
{
    private readonly JobSpec _spec;
    private readonly DatasetPair _data;
    private readonly LayerChain _chain;
    private readonly Device _device;

    public InProcessTrainer(JobSpec spec, DatasetPair data, string device = "cpu")
    {
        var layers = JobSpecValidator.Validate(spec);
        _spec = spec;
        _data = data;
        _device = Countercurrent.Learning.Layers.DeviceName.ToDevice(device);
        _chain = new LayerChain(layers.Select((_, i) => new Layer(new LayerContext(spec, layers, i, _device))).ToList());
    }

    public IReadOnlyList<Layer> Layers => _chain.Layers;

    /// <summary>The chain of layers, with the counts of signals it routed.</summary>
    public LayerChain Chain => _chain;

    public TrainingResult Run(IProgress<TrainingProgress>? progress = null, Action<EpochResult>? epochDone = null, CancellationToken cancel = default)
    {
        var history = new List<EpochResult>();
        var total = Stopwatch.StartNew();
        double trainSeconds = 0;
        long trainSamples = 0;
        var losses = new LossAverager(Layers.Count);
        var curve = new List<LossPoint>();
        LossCurveRecorder? recorder = null;
        long stepsDone = 0;
        byte[][]? bestStates = null;
        for (var epoch = 0; epoch < _spec.Epochs; epoch++)
        {
            var order = new BatchOrder(_data.Train.Count, _spec.BatchSize, _spec.Seed, epoch, maxSteps: _spec.MaxStepsPerEpoch);
            recorder ??= new LossCurveRecorder(Layers.Count, order.StepCount);
            losses.Reset();
            var clock = Stopwatch.StartNew();
            long samples = 0;
            for (var s = 0; s < order.StepCount; s++)
            {
                cancel.ThrowIfCancellationRequested();
                var indices = order.Batch(s);
                var report = TrainStep((long)epoch * order.StepCount + s, _data.Train, indices);
                samples += indices.Length;
                losses.Add(report.Losses);
                if (recorder.Add(++stepsDone, report.Losses) is { } point)
                {
                    curve.Add(point);
                }
                if (progress is not null && (s % 20 == 0 || s == order.StepCount - 1))
                {
                    progress.Report(new TrainingProgress(epoch + 1, _spec.Epochs, s + 1, order.StepCount, losses.Latest, samples / clock.Elapsed.TotalSeconds));
                }
            }
            var seconds = clock.Elapsed.TotalSeconds;
            trainSeconds += seconds;
            trainSamples += samples;
            var validation = _data.Validation is { } held ? Evaluate(held, _spec.MaxEvalSamples, validation: true) : null;
            var eval = Evaluate(_data.Test, _spec.MaxEvalSamples);
            var result = new EpochResult(epoch + 1, losses.Means(), eval.Accuracy, eval.MeanLoss, samples / seconds, seconds,
                [Telemetry.ProcessMemory.Snapshot("in-process")], ValidationAccuracy: validation?.Accuracy, ValidationLoss: validation?.MeanLoss);
            history.Add(result);
            if (BestEpoch.LastIsBest(history))
            {
                bestStates = SaveStates();
            }
            epochDone?.Invoke(result);
        }
        var best = BestEpoch.Of(history);
        if (best is not null && !ReferenceEquals(best, history[^1]))
        {
            // Like Keras' restore_best_weights: the run ends with the weights of the epoch with the lowest validation loss.
            LoadStates(bestStates!);
        }
        return new TrainingResult([.. history], [.. curve], total.Elapsed.TotalSeconds) { SamplesPerSecond = trainSamples / trainSeconds, Best = best };
    }

    /// <summary>Every layer's full state (weights, optimizer, rule state), as its checkpoint would hold it.</summary>
    public byte[][] SaveStates() => Layers.Select(layer => layer.SaveState()).ToArray();

    /// <summary>Puts back the states <see cref="SaveStates"/> returned (between steps: no step may be pending).</summary>
    public void LoadStates(byte[][] states)
    {
        for (var i = 0; i < Layers.Count; i++)
        {
            Layers[i].LoadState(states[i]);
        }
    }

    /// <summary>One training step on the samples at <paramref name="indices"/>; every tensor it makes is freed before it returns.</summary>
    public StepReport TrainStep(long step, Dataset data, ReadOnlySpan<int> indices)
    {
        using var scope = NewDisposeScope();
        var (images, labels) = Batch(data, indices);
        return _chain.Run(new ForwardBatch(step, Phase.Train, images, labels, images), StepStart.Targets(_chain.Layers[^1].Context, step, labels));
    }

    /// <summary>
    /// Accuracy and loss on (the first <paramref name="maxSamples"/> of) a dataset, in batches of the job's size; the
    /// batches carry the test or the validation set's step numbers (<see cref="EvalSteps"/>).
    /// </summary>
    public EvalTally Evaluate(Dataset data, int maxSamples = 0, bool validation = false)
    {
        var order = new BatchOrder(data.Count, _spec.BatchSize, 0, 0, shuffle: false);
        var tally = new EvalTally(0, 0, 0);
        for (var s = 0; s < order.StepCount && (maxSamples == 0 || tally.Count < maxSamples); s++)
        {
            using var scope = NewDisposeScope();
            var indices = order.Batch(s);
            if (maxSamples > 0)
            {
                indices = indices[..Math.Min(indices.Length, maxSamples - tally.Count)];
            }
            var (images, labels) = Batch(data, indices);
            var report = _chain.Run(new ForwardBatch(EvalSteps.For(validation, s), Phase.Eval, images, labels, images));
            tally += report.Eval ?? throw new InvalidOperationException("the top layer reported no evaluation tally");
        }
        return tally;
    }

    private (Tensor Images, Tensor Labels) Batch(Dataset data, ReadOnlySpan<int> indices)
    {
        var images = empty(data.BatchShape(indices.Length), ScalarType.Float32);
        var labels = empty([indices.Length], ScalarType.Int64);
        var (imageBytes, labelBytes) = data.BatchBytes(indices);
        images.bytes = imageBytes;
        labels.bytes = labelBytes;
        return _device.type == DeviceType.CPU ? (images, labels) : (images.to(_device), labels.to(_device));
    }

    public void Dispose()
    {
        foreach (var layer in Layers)
        {
            layer.Dispose();
        }
    }
}
