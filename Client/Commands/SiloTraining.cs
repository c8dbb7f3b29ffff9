using System.Diagnostics;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Client.Commands;

/// <summary>`train` on grains: submits the job to the cluster (or the embedded silo) and follows it to the end.</summary>
public static class SiloTraining
{
    public static async Task<int> Run(ClusterConnection connection, JobSpec spec, TrainingReport report, string plotPath, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var job = connection.Client.GetGrain<IJobGrain>(spec.JobId);
        var started = await job.Start(spec);
        report.Human.WriteLine($"job {spec.JobId} running on {connection.Description}: " +
            string.Join(", ", started.Layers.Select(l => $"layer {l.Index} {l.Rule} on {l.Silo}/{l.Device}")));
        JobStatus status;
        try
        {
            status = await new JobFollower(job, report, connection).Follow(cancel);
        }
        catch (OperationCanceledException)
        {
            report.Human.WriteLine($"cancelling job {spec.JobId}...");
            status = await job.Cancel();
        }
        var trainSeconds = status.History.Sum(h => h.Seconds);
        var samples = status.History.Sum(h => h.SamplesPerSecond * h.Seconds);
        var plotError = status.History.Length > 0
            ? LearningCurveFile.TryWrite(plotPath, $"{spec.JobId}: {spec.Model} {string.Join(",", spec.Rules)} ({connection.Description})", status.LossCurve, status.History, status.StepsPerEpoch)
            : null;
        var plot = status.History.Length > 0 && plotError is null ? plotPath : null;
        report.Final(connection.Description, spec.JobId, status.State, status.History, trainSeconds > 0 ? samples / trainSeconds : 0, clock.Elapsed.TotalSeconds, status.Failure, plot,
            best: status.BestEpoch(), final: status.ModelEpoch());
        if (plotError is not null)
        {
            Console.Error.WriteLine($"error: {plotError}");
        }
        return LearningCurveFile.ExitCode(status.State switch
        {
            JobState.Completed => ExitCodes.Success,
            JobState.Cancelled => ExitCodes.Cancelled,
            _ => ExitCodes.JobFailed,
        }, plotError);
    }
}
