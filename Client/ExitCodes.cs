namespace Countercurrent.Client;

/// <summary>Exit codes scripts can rely on.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The job ran but failed (a layer failed, training diverged).</summary>
    public const int JobFailed = 1;

    /// <summary>The command line or the job spec was refused before anything ran.</summary>
    public const int Usage = 2;

    /// <summary>The cluster could not be reached, or the job is unknown.</summary>
    public const int Unavailable = 3;

    /// <summary>The job was cancelled.</summary>
    public const int Cancelled = 4;
}
