using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Spectre.Console;

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
        await console.Live(JobProgressView.Render(status)).AutoClear(true).StartAsync(async context =>
        {
            while (true)
            {
                context.UpdateTarget(JobProgressView.Render(status));
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

    private int PrintNewEpochs(JobStatus status, int printed)
    {
        for (var i = printed; i < status.History.Length; i++)
        {
            report.Epoch(status.History[i], status.Spec?.Epochs ?? 0);
        }
        return status.History.Length;
    }
}
