using System.Text.RegularExpressions;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Rules;

namespace Countercurrent.Learning.Models;

/// <summary>
/// Refuses a job spec that cannot work, with a <see cref="JobSpecException"/> naming the field, and returns its chain of
/// layers when it can. Client, in-process trainer and job grain all go through here.
/// </summary>
public static partial class JobSpecValidator
{
    public const int MaxStepsInFlight = 64;

    /// <summary>The largest fraction of the training set a job may hold out for validation.</summary>
    public const double MaxValidation = 0.5;

    public static LayerSpec[] Validate(JobSpec spec)
    {
        if (spec.JobId.Length > 0 && !JobIdPattern().IsMatch(spec.JobId))
        {
            throw new JobSpecException("jobId", $"'{spec.JobId}' may hold only letters, digits, '-' and '_' (at most 64)");
        }
        if (!DatasetCatalog.Names.Contains(spec.Dataset))
        {
            throw new JobSpecException("dataset", $"'{spec.Dataset}' is unknown; expected one of {string.Join(", ", DatasetCatalog.Names)}");
        }
        if (!Layers.Activation.Names.Contains(spec.Activation))
        {
            throw new JobSpecException("activation", $"'{spec.Activation}' is unknown; expected one of {string.Join(", ", Layers.Activation.Names)}");
        }
        Positive("batchSize", spec.BatchSize);
        Positive("epochs", spec.Epochs);
        if (spec.StepsInFlight is < 1 or > MaxStepsInFlight)
        {
            throw new JobSpecException("stepsInFlight", $"{spec.StepsInFlight} is outside 1..{MaxStepsInFlight}");
        }
        NotNegative("checkpointEvery", spec.CheckpointEvery);
        NotNegative("maxStepsPerEpoch", spec.MaxStepsPerEpoch);
        NotNegative("maxEvalSamples", spec.MaxEvalSamples);
        NotNegative("traceEvery", spec.TraceEvery);
        if (spec.Dataset == "synthetic")
        {
            Positive("syntheticSamples", spec.SyntheticSamples);
        }
        if (spec.Optimizer is not ("sgd" or "adam"))
        {
            throw new JobSpecException("optimizer", $"'{spec.Optimizer}' is unknown; expected sgd or adam");
        }
        Finite("learningRate", spec.LearningRate, mustBePositive: true);
        Finite("momentum", spec.Momentum, mustBePositive: false);
        if (spec.Momentum >= 1)
        {
            throw new JobSpecException("momentum", $"{spec.Momentum} must be below 1");
        }
        Finite("weightDecay", spec.WeightDecay, mustBePositive: false);
        Finite("gradClip", spec.GradClip, mustBePositive: false);
        if (!double.IsFinite(spec.Validation) || spec.Validation is < 0 or > MaxValidation)
        {
            throw new JobSpecException("validation", $"{spec.Validation} is outside 0..{MaxValidation} (the fraction of the training set held out)");
        }
        if (!AuxiliaryHead.Kinds.Contains(spec.AuxHead))
        {
            throw new JobSpecException("auxHead", $"'{spec.AuxHead}' is unknown; expected one of {string.Join(", ", AuxiliaryHead.Kinds)}");
        }
        Positive("auxDepth", spec.AuxDepth);

        var (sampleShape, classes) = DatasetCatalog.Describe(spec.Dataset);
        var chain = ModelParser.Parse(spec, sampleShape);
        if (chain[^1].OutputFeatures != classes)
        {
            throw new JobSpecException("model", $"the top layer has {chain[^1].OutputFeatures} outputs but {spec.Dataset} has {classes} classes");
        }
        foreach (var layer in chain)
        {
            var bytes = (long)spec.BatchSize * Math.Max(layer.InputFeatures, layer.OutputFeatures) * sizeof(float);
            if (bytes > TensorPayload.MaxBytes)
            {
                throw new JobSpecException("batchSize", $"{spec.BatchSize} makes layer {layer.Index}'s signals {bytes:N0} bytes, over the {TensorPayload.MaxBytes:N0}-byte payload limit");
            }
        }
        RuleCatalog.ValidateChain(chain, spec.StepsInFlight);
        ValidatePlacement(spec, chain.Length);
        return chain;
    }

    private static void ValidatePlacement(JobSpec spec, int layerCount)
    {
        var seen = new HashSet<int>();
        foreach (var p in spec.Placement)
        {
            if (p.Layer < 0 || p.Layer >= layerCount)
            {
                throw new JobSpecException("placement", $"layer {p.Layer} does not exist (the model has layers 0..{layerCount - 1})");
            }
            if (!seen.Add(p.Layer))
            {
                throw new JobSpecException("placement", $"layer {p.Layer} is placed twice");
            }
            if (p.Device.Length > 0 && !DeviceName.IsValid(p.Device))
            {
                throw new JobSpecException("placement", $"layer {p.Layer}: device '{p.Device}' is not cpu or cuda:N");
            }
        }
    }

    private static void Positive(string field, long value)
    {
        if (value <= 0)
        {
            throw new JobSpecException(field, $"{value} must be positive");
        }
    }

    private static void NotNegative(string field, long value)
    {
        if (value < 0)
        {
            throw new JobSpecException(field, $"{value} must not be negative");
        }
    }

    private static void Finite(string field, double value, bool mustBePositive)
    {
        if (!double.IsFinite(value))
        {
            throw new JobSpecException(field, $"{value} is not a finite number");
        }
        if (mustBePositive ? value <= 0 : value < 0)
        {
            throw new JobSpecException(field, $"{value} must be {(mustBePositive ? "positive" : "zero or positive")}");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex JobIdPattern();
}
