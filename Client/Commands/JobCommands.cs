using System.Text.Json;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Client.Commands;

/// <summary>`jobs`, `status`, `watch` and `cancel`: talk to a running cluster about its jobs.</summary>
public static class JobCommands
{
    public static async Task<int> RunAsync(CommandLineArgs args, CancellationToken cancel)
    {
        var address = args.String("cluster") ?? ClusterConnection.DefaultGateway;
        var json = args.Flag("json");
        var plot = args.Command == "status" ? args.String("plot") : null;
        if (args.Command != "jobs" && args.Positional.Count == 0)
        {
            throw new UsageException($"'{args.Command}' needs a job id: {args.Command} <job-id> [--cluster ADDR]");
        }
        args.RefuseUnread(positionals: args.Command == "jobs" ? 0 : 1);
        await using var connection = await ClusterConnection.Connect(address, cancel);
        var report = new TrainingReport(json);
        if (args.Command == "jobs")
        {
            var ids = await connection.Client.GetGrain<IJobRegistryGrain>(0).List();
            var statuses = await Task.WhenAll(ids.Select(id => connection.Client.GetGrain<IJobGrain>(id).GetStatus()));
            foreach (var s in statuses)
            {
                Console.Out.WriteLine($"{s.JobId,-32} {s.State,-10} epoch {s.Epoch}/{s.Spec?.Epochs}  acc {(s.History.Length > 0 ? s.History[^1].TestAccuracy : 0):0.0000}  {s.Spec?.Model} {string.Join(",", s.Spec?.Rules ?? [])}");
            }
            return ExitCodes.Success;
        }
        var jobId = args.Positional[0];
        var job = connection.Client.GetGrain<IJobGrain>(jobId);
        var status = await job.GetStatus();
        if (status.Spec is null)
        {
            throw new ClusterUnavailableException($"job '{jobId}' is unknown to {connection.Description}");
        }
        switch (args.Command)
        {
            case "cancel":
                status = await job.Cancel();
                break;
            case "watch":
                status = await new JobFollower(job, report, connection).Follow(cancel);
                break;
            case "resume":
                status = await job.Resume();
                break;
        }
        Print(status, json);
        var exitCode = status.State switch
        {
            JobState.Failed => ExitCodes.JobFailed,
            JobState.Cancelled when args.Command == "watch" => ExitCodes.Cancelled,
            _ => ExitCodes.Success,
        };
        if (plot is not null)
        {
            var error = LearningCurveFile.TryWrite(plot, $"{status.JobId}: {status.Spec!.Model} {string.Join(",", status.Spec.Rules)}", status.LossCurve, status.History, status.StepsPerEpoch);
            Console.Error.WriteLine(error is null ? $"learning curve: {plot}" : $"error: {error}");
            exitCode = LearningCurveFile.ExitCode(exitCode, error);
        }
        return exitCode;
    }

    private static void Print(JobStatus s, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(s, JobSpecReader.Json));
            return;
        }
        Console.Out.WriteLine($"job {s.JobId}: {s.State}, epoch {s.Epoch}/{s.Spec?.Epochs}, step {s.StepInEpoch}/{s.StepsPerEpoch}, {s.SamplesPerSecond:N0} samples/s");
        foreach (var l in s.Layers)
        {
            Console.Out.WriteLine($"  {l.Description} on {l.Silo}/{l.Device}" + (float.IsNaN(l.LastLoss) ? "" : $"  last loss {l.LastLoss:0.0000}"));
        }
        foreach (var h in s.History)
        {
            Console.Out.WriteLine("  " + TrainingReport.EpochLine(h, s.Spec?.Epochs ?? 0));
        }
        if (s.Checkpoint is { } c)
        {
            Console.Out.WriteLine($"  checkpoint {c.Id} at step {c.StepsDone} (epoch {c.Epoch}, {c.TakenAt:u})");
        }
        if (s.BestEpoch() is { } best)
        {
            Console.Out.WriteLine($"  {TrainingReport.BestLine(best, s.ModelEpoch())} (checkpoint {s.Best!.Id})");
        }
        foreach (var r in s.Recoveries)
        {
            var moved = r.MovedLayers.Length == 0 ? "no layer moved" : string.Join(", ", r.MovedLayers.Select(m => $"layer {m.Layer} {m.FromSilo} -> {m.ToSilo}"));
            Console.Out.WriteLine($"  recovery {r.At:u} from checkpoint {r.FromCheckpoint}, {r.StepsReplayed} steps replayed, {moved}: {r.Reason}");
        }
        if (s.Failure is not null)
        {
            Console.Out.WriteLine($"  failure: {s.Failure}");
        }
    }
}
