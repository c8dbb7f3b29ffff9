using Countercurrent.Client.Commands;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Cluster;

/// <summary>Waits for a job to finish, with a deadline whose message says which job and where it was.</summary>
public static class JobWaiter
{
    public static async Task<JobStatus> Finished(IClusterClient client, string jobId, TimeSpan? timeout = null)
    {
        var job = client.GetGrain<IJobGrain>(jobId);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        var cancel = TestContext.Current.CancellationToken;
        var status = await GatewayRetry.Call(job.GetStatus, cancel);
        while (!status.IsFinished)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {jobId} did not finish in time: {status.State}, epoch {status.Epoch}, step {status.StepInEpoch}/{status.StepsPerEpoch}");
            }
            await Task.Delay(50, cancel);
            status = await GatewayRetry.Call(job.GetStatus, cancel);
        }
        return status;
    }
}
