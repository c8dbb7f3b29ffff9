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
        const string syntax = "export <job-id> --out DIR [--latest] [--cluster ADDR]";
        var address = args.String("cluster") ?? ClusterConnection.DefaultGateway;
        var latest = args.Flag("latest");
        if (args.Positional.Count == 0)
        {
            throw new UsageException($"'export' needs a job id: {syntax}");
        }
        var output = args.String("out") ?? throw new UsageException($"'export' needs --out DIR: {syntax}");
        args.RefuseUnread(positionals: 1);
        await using var connection = await ClusterConnection.Connect(address, cancel);
        try
        {
            var exported = await Export(connection, args.Positional[0], output, latest);
            Console.Out.WriteLine($"exported job {args.Positional[0]} to {output}: {exported.Description}");
            return ExitCodes.Success;
        }
        catch (JobStateException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>
    /// Writes the job's model (<see cref="ExportedCheckpoint.Choose"/> says which checkpoint) into <paramref name="output"/>,
    /// replacing a previous export there. A running job exported with <paramref name="latest"/> may commit a newer
    /// checkpoint (and delete the one being read) meanwhile; the export then starts over from the newer one.
    /// </summary>
    /// <exception cref="JobStateException">The job has not finished and <paramref name="latest"/> is false, or has no checkpoint.</exception>
    public static Task<ExportedCheckpoint> Export(ClusterConnection connection, string jobId, string output, bool latest = false) =>
        Export(connection.Client, jobId, output, latest, connection.Description);

    /// <param name="cluster">What the cluster is called in the message for an unknown job.</param>
    public static async Task<ExportedCheckpoint> Export(IClusterClient client, string jobId, string output, bool latest = false, string cluster = "the cluster")
    {
        var job = client.GetGrain<IJobGrain>(jobId);
        var status = await job.GetStatus();
        if (status.Spec is null)
        {
            throw ClusterConnection.UnknownJob(jobId, cluster);
        }
        var folder = ExportFolder.Open(output);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var exported = ExportedCheckpoint.Choose(status, latest);
                try
                {
                    await WriteModel(job, status, exported.Checkpoint, folder.Staging);
                }
                catch (Grains.Checkpoints.CheckpointMissingException) when (!status.IsFinished && attempt < 5)
                {
                    status = await job.GetStatus();
                    continue;
                }
                folder.Commit();
                return exported;
            }
        }
        catch
        {
            folder.Abandon();
            throw;
        }
    }

    private static async Task WriteModel(IJobGrain job, JobStatus status, CheckpointInfo model, string folder)
    {
        for (var i = 0; i < status.Layers.Length; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, LayerFile(i)), await job.ExportLayer(model.Id, i));
        }
        await File.WriteAllTextAsync(Path.Combine(folder, SpecFile), JsonSerializer.Serialize(status.Spec, JobSpecReader.Json));
        var manifest = new
        {
            jobId = status.JobId,
            state = status.State.ToString(),
            checkpoint = model.Id,
            epochs = model.Epoch,
            stepInEpoch = model.StepInEpoch,
            stepsDone = model.StepsDone,
            testAccuracy = model.HistoryLength > 0 && model.HistoryLength <= status.History.Length && model.StepInEpoch == 0 ? status.History[model.HistoryLength - 1].TestAccuracy : (double?)null,
            bestEpoch = status.Best?.Epoch,
            layers = status.Layers.Select(l => new { l.Index, l.Description, l.Rule, file = LayerFile(l.Index) }),
        };
        await File.WriteAllTextAsync(Path.Combine(folder, ManifestFile), JsonSerializer.Serialize(manifest, JobSpecReader.Json));
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
        catch (JobStateException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
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
