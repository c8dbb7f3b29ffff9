using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Client;

/// <summary>
/// Builds a job spec from a JSON file (unknown keys refused) and command-line options, options winning. Its JSON
/// settings are also the client's for what it writes (status, jobs, export).
/// </summary>
public static class JobSpecReader
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Without this "jobId": null reaches the validator as a null string and fails there with a NullReferenceException.
        RespectNullableAnnotations = true,
        // These files and lines are read by people and JSON parsers, never embedded in HTML: "784->256", not "784-\u003E256".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Enums by name ("state": "Completed"), as `train --json` writes them; numbers are still read.
        Converters = { new JsonStringEnumConverter() },
    };

    public static JobSpec FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new JobSpecException("spec", $"{path}: file not found");
        }
        try
        {
            return JsonSerializer.Deserialize<JobSpec>(File.ReadAllText(path), Json)
                ?? throw new JobSpecException("spec", $"{path}: the file holds no job");
        }
        catch (JsonException e)
        {
            throw new JobSpecException("spec", $"{path}: {e.Message}");
        }
    }

    /// <summary>The spec from --spec (or the defaults) with every training option of the command line applied.</summary>
    public static JobSpec FromCommandLine(CommandLineArgs args)
    {
        var spec = args.String("spec") is { } path ? FromFile(path) : new JobSpec();
        return spec with
        {
            JobId = args.String("job-id") ?? spec.JobId,
            Dataset = args.String("dataset") ?? spec.Dataset,
            DataDirectory = args.String("data-dir") ?? spec.DataDirectory,
            Model = args.String("model") ?? spec.Model,
            Activation = args.String("activation") ?? spec.Activation,
            Bias = args.Flag("no-bias") ? false : spec.Bias,
            Rules = args.String("rule") is { } rules ? rules.Split(',', StringSplitOptions.TrimEntries) : spec.Rules,
            Optimizer = args.String("optimizer") ?? spec.Optimizer,
            LearningRate = args.Double("lr") ?? spec.LearningRate,
            Momentum = args.Double("momentum") ?? spec.Momentum,
            WeightDecay = args.Double("weight-decay") ?? spec.WeightDecay,
            GradClip = args.Double("grad-clip") ?? spec.GradClip,
            BatchSize = args.Int("batch-size") ?? spec.BatchSize,
            Epochs = args.Int("epochs") ?? spec.Epochs,
            Seed = args.Long("seed") ?? spec.Seed,
            StepsInFlight = args.Int("steps-in-flight") ?? spec.StepsInFlight,
            CheckpointEvery = args.Int("checkpoint-every") ?? spec.CheckpointEvery,
            MaxStepsPerEpoch = args.Int("max-steps") ?? spec.MaxStepsPerEpoch,
            MaxEvalSamples = args.Int("max-eval") ?? spec.MaxEvalSamples,
            SyntheticSamples = args.Int("synthetic-samples") ?? spec.SyntheticSamples,
            TraceEvery = args.Int("trace-every") ?? spec.TraceEvery,
            AuxHead = args.String("aux-head") ?? spec.AuxHead,
            AuxDepth = args.Int("aux-depth") ?? spec.AuxDepth,
            Validation = args.Double("validation") ?? spec.Validation,
        };
    }
}
