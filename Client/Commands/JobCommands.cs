using System.Text.Json;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Client.Commands;

/// <summary>`jobs`, `status`, `watch`, `cancel` and `resume`: talk to a running cluster about its jobs.</summary>
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
                try
                {
                    status = await job.Resume();
                }
                catch (JobStateException e)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    return ExitCodes.Usage;
                }
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

    /// <summary>The last evaluated epoch's test accuracy, or "-" before any evaluation.</summary>
    private static string Accuracy(double? accuracy) => accuracy is { } a ? $"{a:0.0000}" : "-";

    /// <summary>`jobs`: a line per job, or with --json an array of the same rows.</summary>
    private static async Task<int> List(ClusterConnection connection, bool json)
    {
        var ids = await connection.Client.GetGrain<IJobRegistryGrain>(0).List();
        var statuses = await Task.WhenAll(ids.Select(id => connection.Client.GetGrain<IJobGrain>(id).GetStatus()));
        // An id without a spec is a submission refused before refusals took their ids back: it never ran.
        var rows = statuses.Where(s => s.Spec is not null).Select(s => (Status: s, Position: s.Position()))
            .Select(p => new JobRow(p.Status.JobId, p.Status.State, p.Position.Epoch, p.Position.Epochs,
                p.Status.LatestTestAccuracy(), p.Status.Spec!.Model, p.Status.Spec.Rules)).ToList();
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(rows, JobSpecReader.Json));
            return ExitCodes.Success;
        }
        foreach (var r in rows)
        {
            Console.Out.WriteLine($"{r.JobId,-32} {r.State,-10} epoch {r.Epoch}/{r.Epochs}  acc {Accuracy(r.TestAccuracy)}  {r.Model} {string.Join(",", r.Rules)}");
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
        Console.Out.WriteLine($"job {s.JobId}: {s.State}, {s.Position()}, {s.SamplesPerSecond:N0} samples/s, test acc {Accuracy(s.LatestTestAccuracy())}");
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
            Console.Out.WriteLine($"  checkpoint {c.Id} at step {c.StepsDone} ({c.Epoch} epoch(s) done, {c.StepInEpoch} step(s) into the next; {c.TakenAt:u})");
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
