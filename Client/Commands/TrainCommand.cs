using Countercurrent.Learning.Models;
using TorchSharp;

namespace Countercurrent.Client.Commands;

/// <summary>`train`: builds the spec, checks it, and runs it in process, on an embedded silo or on a cluster.</summary>
public static class TrainCommand
{
    public static async Task<int> RunAsync(CommandLineArgs args, CancellationToken cancel)
    {
        var spec = JobSpecReader.FromCommandLine(args);
        var inProcess = args.Flag("in-process");
        var json = args.Flag("json");
        var threads = args.Int("threads") ?? Environment.ProcessorCount;
        args.RefuseUnread();
        if (spec.JobId.Length == 0)
        {
            spec = spec with { JobId = $"job-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(1000, 9999)}" };
        }
        JobSpecValidator.Validate(spec);
        torch.set_num_threads(threads);
        var report = new TrainingReport(json);
        if (inProcess)
        {
            return InProcessTraining.Run(spec, report, cancel);
        }
        await Task.CompletedTask;
        throw new UsageException("training on a silo is not built yet; use --in-process");
    }
}
