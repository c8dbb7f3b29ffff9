using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Countercurrent.Client.Commands;

/// <summary>
/// Follows a job until it ends: a live view (epoch progress, samples/s, steps in flight, a table of the layers with their
/// losses, the last epochs' accuracy) when the output is a terminal, and a line per finished epoch. Polls the job grain: the job never waits on its watchers.
/// </summary>
public sealed class JobFollower(IJobGrain job, TrainingReport report)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public async Task<JobStatus> Follow(CancellationToken cancel)
    {
        var printed = 0;
        var status = await GatewayRetry.Call(job.GetStatus, cancel);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(report.Human) });
        if (!console.Profile.Capabilities.Interactive || Console.IsErrorRedirected && report.Human == Console.Error || Console.IsOutputRedirected && report.Human == Console.Out)
        {
            while (!status.IsFinished)
            {
                printed = PrintNewEpochs(status, printed);
                await Task.Delay(PollInterval, cancel);
                status = await GatewayRetry.Call(job.GetStatus, cancel);
            }
            PrintNewEpochs(status, printed);
            return status;
        }
        await console.Live(Render(status)).AutoClear(true).StartAsync(async context =>
        {
            while (true)
            {
                context.UpdateTarget(Render(status));
                if (status.IsFinished)
                {
                    break;
                }
                await Task.Delay(PollInterval, cancel);
                status = await GatewayRetry.Call(job.GetStatus, cancel);
            }
        });
        PrintNewEpochs(status, printed);
        return status;
    }

    /// <summary>The live view: progress of the epoch, throughput, steps in flight, and a table of the layers with their latest local loss.</summary>
    private static IRenderable Render(JobStatus s)
    {
        var position = s.Position();
        var fraction = position.StepsPerEpoch > 0 ? Math.Clamp((double)position.Step / position.StepsPerEpoch, 0, 1) : 0;
        const int width = 40;
        var filled = (int)Math.Round(fraction * width);
        var header = new Markup(
            $"[bold]{Markup.Escape(s.JobId)}[/]  epoch {position.Epoch}/{position.Epochs}  " +
            $"[green]{new string('━', filled)}[/][grey]{new string('━', width - filled)}[/] {fraction:P0}  " +
            $"step {position.Step}/{position.StepsPerEpoch}  {s.SamplesPerSecond:N0} samples/s  in flight {s.StepsInFlight}" +
            (s.Recoveries.Length > 0 ? $"  [yellow]{s.Recoveries.Length} recover{(s.Recoveries.Length == 1 ? "y" : "ies")}[/]" : ""));
        var layers = new Table().Border(TableBorder.Rounded).AddColumns("layer", "rule", "silo / device", "loss");
        foreach (var l in s.Layers)
        {
            layers.AddRow(Markup.Escape(l.Description), Markup.Escape(l.Rule), Markup.Escape($"{l.Silo} / {l.Device}"), float.IsNaN(l.LastLoss) ? "-" : $"{l.LastLoss:0.0000}");
        }
        var validation = s.Spec?.Validation > 0;
        var history = new Table().Border(TableBorder.Rounded).AddColumns(validation
            ? ["epoch", "validation loss", "test accuracy", "test loss", "samples/s"]
            : ["epoch", "test accuracy", "test loss", "samples/s"]);
        var best = s.Best?.Epoch;
        foreach (var h in s.History.TakeLast(5))
        {
            string[] cells = [$"{h.Epoch}{(h.Epoch == best ? " (best)" : "")}", $"{h.TestAccuracy:0.0000}", $"{h.TestLoss:0.0000}", $"{h.SamplesPerSecond:N0}"];
            history.AddRow(validation ? [cells[0], $"{h.ValidationLoss:0.0000}", .. cells[1..]] : cells);
        }
        return s.History.Length > 0 ? new Rows(header, layers, history) : new Rows(header, layers);
    }

    private int PrintNewEpochs(JobStatus status, int printed)
    {
        for (var i = printed; i < status.History.Length; i++)
        {
            report.Epoch(status.History[i], status.Spec?.Epochs ?? 0);
        }
        return status.History.Length;
    }
}
