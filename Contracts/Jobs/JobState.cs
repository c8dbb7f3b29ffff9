namespace Countercurrent.Contracts.Jobs;

/// <summary>Lifecycle of a job.</summary>
public enum JobState
{
    Pending = 0,
    Running = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
}
