using Countercurrent.Learning.Models;
using Countercurrent.Client.Plots;
using Countercurrent.Learning;

namespace Countercurrent.Client.Commands;

/// <summary>`train`: builds the spec, checks it, and runs it in process, on an embedded silo or on a cluster.</summary>
public static class TrainCommand
{
    public static async Task<int> RunAsync(CommandLineArgs args, CancellationToken cancel)
    {
        var spec = JobSpecReader.FromCommandLine(args);
        var inProcess = args.Flag("in-process");
        var json = args.Flag("json");
        var threads = args.Int("threads") ?? 0;
        var cluster = args.String("cluster");
        var plot = args.String("plot");
        args.RefuseUnread();
        if (spec.JobId.Length == 0)
        {
            spec = spec with { JobId = $"job-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(1000, 9999)}" };
        }
        JobSpecValidator.Validate(spec);
        TorchRuntime.SetThreads(threads);
        var report = new TrainingReport(json);
        plot ??= LearningCurvePlot.DefaultPath(spec.JobId);
        if (inProcess)
        {
            return InProcessTraining.Run(spec, report, plot, cancel);
        }
        if (cluster is not null)
        {
            await using var connection = await ClusterConnection.Connect(cluster, cancel);
            return await SiloTraining.Run(connection, spec, report, plot, cancel);
        }
        await using (var embedded = await ClusterConnection.Embedded(threads, cancel))
        {
            try
            {
                return await SiloTraining.Run(embedded, spec, report, plot, cancel);
            }
            finally
            {
                await DeleteCheckpoints(embedded, spec.JobId);
            }
        }
    }

    /// <summary>
    /// An embedded job's state lives in this process, so once it exits nothing (export, eval, resume) can find the
    /// job's checkpoints: they go when the run ends.
    /// </summary>
    private static async Task DeleteCheckpoints(ClusterConnection embedded, string jobId)
    {
        try
        {
            await embedded.Client.GetGrain<Contracts.Grains.IJobGrain>(jobId).DeleteCheckpoints();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"warning: the checkpoints of job {jobId} were not deleted: {e.Message}");
        }
    }
}
