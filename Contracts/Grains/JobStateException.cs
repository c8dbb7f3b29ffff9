using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Contracts.Grains;

/// <summary>A request the job's state does not allow (resuming a finished job, exporting one that has not finished); the message says why and what would work.</summary>
[GenerateSerializer, Alias("cc.JobStateException")]
public sealed class JobStateException : Exception
{
    public JobStateException(string jobId, JobState state, string problem) : base(problem)
    {
        JobId = jobId;
        State = state;
    }

    [Id(0)] public string JobId { get; }
    [Id(1)] public JobState State { get; }
}
