using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Spectre.Console;

namespace Countercurrent.Client.Commands;

/// <summary>
/// Follows a job until it ends: a progress bar with the epoch, step, per-layer losses and samples/s when the output is
/// a terminal, a line per finished epoch always. Polls the job grain: the job never waits on its watchers.
/// </summary>
public sealed class JobFollower(IJobGrain job, TrainingReport report)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public async Task<JobStatus> Follow(CancellationToken cancel)
    {
        var printed = 0;
        var status = await job.GetStatus();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(report.Human) });
        if (!console.Profile.Capabilities.Interactive || Console.IsErrorRedirected && report.Human == Console.Error || Console.IsOutputRedirected && report.Human == Console.Out)
        {
            while (!status.IsFinished)
            {
                printed = PrintNewEpochs(status, printed);
                await Task.Delay(PollInterval, cancel);
                status = await job.GetStatus();
            }
            PrintNewEpochs(status, printed);
            return status;
        }
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("starting", maxValue: Math.Max(1, status.StepsPerEpoch * (status.Spec?.Epochs ?? 1)));
                while (true)
                {
                    bar.Value = status.StepsDone;
                    bar.Description = Markup.Escape(Describe(status));
                    printed = PrintAbove(console, status, printed);
                    if (status.IsFinished)
                    {
                        bar.StopTask();
                        break;
                    }
                    await Task.Delay(PollInterval, cancel);
                    status = await job.GetStatus();
                }
            });
        return status;
    }

    private static string Describe(JobStatus s)
    {
        var losses = string.Join(" ", s.Layers.Where(l => !float.IsNaN(l.LastLoss)).Select(l => $"L{l.Index}={l.LastLoss:0.000}"));
        return $"epoch {Math.Min(s.Epoch + 1, s.Spec?.Epochs ?? 1)}/{s.Spec?.Epochs} step {s.StepInEpoch}/{s.StepsPerEpoch}  {losses}  {s.SamplesPerSecond:N0} samples/s  in flight {s.StepsInFlight}";
    }

    private int PrintNewEpochs(JobStatus status, int printed)
    {
        for (var i = printed; i < status.History.Length; i++)
        {
            report.Epoch(status.History[i], status.Spec?.Epochs ?? 0);
        }
        return status.History.Length;
    }

    private int PrintAbove(IAnsiConsole console, JobStatus status, int printed)
    {
        for (var i = printed; i < status.History.Length; i++)
        {
            console.MarkupLine(Markup.Escape(TrainingReport.EpochLine(status.History[i], status.Spec?.Epochs ?? 0)));
        }
        return status.History.Length;
    }
}
