using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Spectre.Console;

namespace Countercurrent.Client.Commands;

/// <summary>
/// Follows a job until it ends: a live view (epoch progress, samples/s, steps in flight, a table of the layers with their
/// losses, the last epochs' accuracy) when the output is a terminal, and a line per finished epoch. Polls the job grain: the job never waits on its watchers.
/// When no gateway answers any more, the job is not lost with the client: it goes on when silos come back, so the
/// message says how to follow it again.
/// </summary>
public sealed class JobFollower(IJobGrain job, TrainingReport report, ClusterConnection connection)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public async Task<JobStatus> Follow(CancellationToken cancel)
    {
        var printed = 0;
        var status = await Poll(cancel);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(report.Human) });
        if (!console.Profile.Capabilities.Interactive || Console.IsErrorRedirected && report.Human == Console.Error || Console.IsOutputRedirected && report.Human == Console.Out)
        {
            while (!status.IsFinished)
            {
                printed = PrintNewEpochs(status, printed);
                await Task.Delay(PollInterval, cancel);
                status = await Poll(cancel);
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
                status = await Poll(cancel);
            }
        });
        PrintNewEpochs(status, printed);
        return status;
    }

    private async Task<JobStatus> Poll(CancellationToken cancel)
    {
        try
        {
            return await GatewayRetry.Call(job.GetStatus, cancel);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            var jobId = job.GetPrimaryKeyString();
            throw new ClusterUnavailableException(
                $"lost the cluster while following job {jobId}; it may continue when the cluster is back: {connection.WatchCommand(jobId)}");
        }
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
