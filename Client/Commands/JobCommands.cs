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
        if (args.Command == "jobs")
        {
            return await List(connection, json);
        }
        var jobId = args.Positional[0];
        var job = connection.Client.GetGrain<IJobGrain>(jobId);
        var status = await job.GetStatus();
        if (status.Spec is null)
        {
            throw connection.UnknownJob(jobId);
        }
        switch (args.Command)
        {
            case "cancel" when status.IsFinished:
                Console.Out.WriteLine($"job {jobId} already {status.State}; nothing to cancel");
                return ExitCodes.Success;
            case "cancel":
                status = await job.Cancel();
                break;
            case "watch":
                var report = new TrainingReport(json);
                try
                {
                    status = await new JobFollower(job, report, connection).Follow(cancel);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    // Ctrl-C ends the watching, not the job (`cancel` does that).
                    report.Human.WriteLine($"stopped watching job {jobId}; it goes on running (watch it again: {connection.WatchCommand(jobId)})");
                    return ExitCodes.Success;
                }
                break;
            case "resume":
                status = await job.Resume();
                break;
        }
        // watch has printed the epochs as they finished.
        Print(status, json, epochs: args.Command != "watch");
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

    /// <summary>`jobs`: a line per job, or with --json an array of the same rows.</summary>
    private static async Task<int> List(ClusterConnection connection, bool json)
    {
        var ids = await connection.Client.GetGrain<IJobRegistryGrain>(0).List();
        var statuses = await Task.WhenAll(ids.Select(id => connection.Client.GetGrain<IJobGrain>(id).GetStatus()));
        var rows = statuses.Select(s => new JobRow(s.JobId, s.State, s.Epoch, s.Spec?.Epochs ?? 0,
            s.History.Length > 0 ? s.History[^1].TestAccuracy : null, s.Spec?.Model ?? "", s.Spec?.Rules ?? [])).ToList();
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(rows, JobSpecReader.Json));
            return ExitCodes.Success;
        }
        foreach (var r in rows)
        {
            Console.Out.WriteLine($"{r.JobId,-32} {r.State,-10} epoch {r.Epoch}/{r.Epochs}  acc {r.TestAccuracy ?? 0:0.0000}  {r.Model} {string.Join(",", r.Rules)}");
        }
        return ExitCodes.Success;
    }

    /// <summary>A row of `jobs`: the test accuracy is the last finished epoch's (null before the first).</summary>
    private sealed record JobRow(string JobId, JobState State, int Epoch, int Epochs, double? TestAccuracy, string Model, string[] Rules);

    private static void Print(JobStatus s, bool json, bool epochs)
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
        foreach (var h in epochs ? s.History : [])
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
