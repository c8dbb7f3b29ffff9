using System.Text.Json;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;

namespace Countercurrent.Client.Commands;

/// <summary>
/// `export &lt;job&gt; --out DIR`: the trained model as files (spec.json, layer-i.bin with each layer's full state, model.json);
/// `eval &lt;DIR | job&gt;`: test accuracy of an exported model, or of a finished job (exported first), in this process.
/// </summary>
public static class ModelCommands
{
    public const string SpecFile = "spec.json";
    public const string ManifestFile = "model.json";

    public static string LayerFile(int layer) => $"layer-{layer}.bin";

    public static async Task<int> ExportAsync(CommandLineArgs args, CancellationToken cancel)
    {
        const string syntax = "export <job-id> --out DIR [--cluster ADDR]";
        var address = args.String("cluster") ?? ClusterConnection.DefaultGateway;
        if (args.Positional.Count == 0)
        {
            throw new UsageException($"'export' needs a job id: {syntax}");
        }
        var output = args.String("out") ?? throw new UsageException($"'export' needs --out DIR: {syntax}");
        args.RefuseUnread(positionals: 1);
        await using var connection = await ClusterConnection.Connect(address, cancel);
        await Export(connection, args.Positional[0], output);
        Console.Out.WriteLine($"exported job {args.Positional[0]} to {output}");
        return ExitCodes.Success;
    }

    public static async Task Export(ClusterConnection connection, string jobId, string output)
    {
        var job = connection.Client.GetGrain<IJobGrain>(jobId);
        var status = await job.GetStatus();
        if (status.Spec is null)
        {
            throw connection.UnknownJob(jobId);
        }
        // A completed job with a validation split ended with its best epoch's weights; the job exports those.
        var model = status.ModelCheckpoint() ?? throw new UsageException($"job '{jobId}' has no committed checkpoint yet");
        Directory.CreateDirectory(output);
        for (var i = 0; i < status.Layers.Length; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(output, LayerFile(i)), await job.ExportLayer(i));
        }
        await File.WriteAllTextAsync(Path.Combine(output, SpecFile), JsonSerializer.Serialize(status.Spec, JobSpecReader.Json));
        var manifest = new
        {
            jobId,
            state = status.State.ToString(),
            checkpoint = model.Id,
            epochs = model.Epoch,
            stepsDone = model.StepsDone,
            testAccuracy = model.HistoryLength > 0 && model.HistoryLength <= status.History.Length ? status.History[model.HistoryLength - 1].TestAccuracy : (double?)null,
            bestEpoch = status.Best?.Epoch,
            layers = status.Layers.Select(l => new { l.Index, l.Description, l.Rule, file = LayerFile(l.Index) }),
        };
        await File.WriteAllTextAsync(Path.Combine(output, ManifestFile), JsonSerializer.Serialize(manifest, JobSpecReader.Json));
    }

    public static async Task<int> EvalAsync(CommandLineArgs args, CancellationToken cancel)
    {
        if (args.Positional.Count == 0)
        {
            throw new UsageException("'eval' needs an exported model's folder or a job id: eval <DIR | job-id> [--cluster ADDR] [--dataset NAME] [--data-dir DIR] [--max-eval N] [--json]");
        }
        var target = args.Positional[0];
        var dataset = args.String("dataset");
        var dataDirectory = args.String("data-dir");
        var maxEval = args.Int("max-eval") ?? 0;
        var json = args.Flag("json");
        var address = args.String("cluster") ?? ClusterConnection.DefaultGateway;
        args.RefuseUnread(positionals: 1);
        var folder = target;
        string? temporary = null;
        if (!Directory.Exists(target) && LooksLikePath(target))
        {
            throw new UsageException($"{target}: folder does not exist (eval takes an exported model's folder or a job id)");
        }
        try
        {
            if (!Directory.Exists(target))
            {
                temporary = Directory.CreateTempSubdirectory("countercurrent-eval-").FullName;
                await using (var connection = await ClusterConnection.Connect(address, cancel))
                {
                    await Export(connection, target, temporary);
                }
                folder = temporary;
            }
            var spec = JobSpecReader.FromFile(Path.Combine(folder, SpecFile));
            spec = spec with { Dataset = dataset ?? spec.Dataset, DataDirectory = dataDirectory ?? spec.DataDirectory };
            var tally = Evaluate(spec, folder, maxEval);
            var accuracy = tally.Accuracy;
            Console.Out.WriteLine(json
                ? JsonSerializer.Serialize(new { model = target, dataset = spec.Dataset, testAccuracy = accuracy, testLoss = tally.MeanLoss, samples = tally.Count }, JobSpecReader.Json)
                : $"{target} on {spec.Dataset}: test accuracy {accuracy:0.0000}, test loss {tally.MeanLoss:0.0000} over {tally.Count} samples");
            return ExitCodes.Success;
        }
        finally
        {
            if (temporary is not null)
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>Job ids hold no '/' and do not start with '.'; such an argument to eval meant a folder.</summary>
    private static bool LooksLikePath(string target) => target.Contains('/') || target.StartsWith('.');

    /// <summary>Builds the layers of an exported model in this process, loads their states, and evaluates the test set.</summary>
    public static Contracts.Signals.EvalTally Evaluate(JobSpec spec, string folder, int maxEval)
    {
        // Only the test set is read: no validation split to make.
        var data = DatasetCatalog.Load(spec with { Validation = 0 });
        using var model = new InProcessTrainer(spec, data);
        for (var i = 0; i < model.Layers.Count; i++)
        {
            var path = Path.Combine(folder, LayerFile(i));
            if (!File.Exists(path))
            {
                throw new UsageException($"{path}: missing; the export is incomplete");
            }
            model.Layers[i].LoadState(File.ReadAllBytes(path));
        }
        return model.Evaluate(data.Test, maxEval);
    }
}
