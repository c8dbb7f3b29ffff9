namespace Countercurrent.Silo.Hosting;

/// <summary>Exit codes of the silo program, as the client's are numbered: scripts and Kubernetes can tell them apart.</summary>
public static class SiloExitCodes
{
    /// <summary>The silo was stopped (SIGTERM, Ctrl+C) and shut down cleanly.</summary>
    public const int Stopped = 0;

    /// <summary>The silo failed while starting or running for another reason; the exception follows the message.</summary>
    public const int Failed = 1;

    /// <summary>A setting was refused before anything started, or a port it names is taken; the message names it.</summary>
    public const int SettingRefused = 2;

    /// <summary>The Redis of <c>Silo:Redis</c> (membership, job state or checkpoints) could not be reached.</summary>
    public const int RedisUnreachable = 3;
}
