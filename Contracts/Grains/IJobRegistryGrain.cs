namespace Countercurrent.Contracts.Grains;

/// <summary>The list of job ids the cluster knows (a single grain, key 0).</summary>
[Alias("cc.IJobRegistryGrain")]
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a job id; false when the id is already in use.</summary>
    [Alias("TryRegister")]
    Task<bool> TryRegister(string jobId);

    /// <summary>Removes a job id: a submission that was refused after its id was registered leaves nothing behind.</summary>
    [Alias("Unregister")]
    Task Unregister(string jobId);

    [Alias("List")]
    Task<string[]> List();
}
