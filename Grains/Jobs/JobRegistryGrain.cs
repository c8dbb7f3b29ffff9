using Countercurrent.Contracts.Grains;
using Orleans.Runtime;

namespace Countercurrent.Grains.Jobs;

/// <summary>The cluster's list of job ids; refuses an id that is already taken.</summary>
public sealed class JobRegistryGrain([PersistentState("registry", JobGrain.StorageName)] IPersistentState<List<string>> jobs)
    : Grain, IJobRegistryGrain
{
    public async Task<bool> TryRegister(string jobId)
    {
        if (jobs.State.Contains(jobId))
        {
            return false;
        }
        jobs.State.Add(jobId);
        await jobs.WriteStateAsync();
        return true;
    }

    public async Task Unregister(string jobId)
    {
        if (jobs.State.Remove(jobId))
        {
            await jobs.WriteStateAsync();
        }
    }

    public Task<string[]> List() => Task.FromResult(jobs.State.ToArray());
}
