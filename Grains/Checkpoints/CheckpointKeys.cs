using System.Text.RegularExpressions;

namespace Countercurrent.Grains.Checkpoints;

/// <summary>
/// Job ids as checkpoint stores accept them: the same pattern the spec validator enforces, checked again here because
/// an id becomes part of a path or key, and one like "../x" must never reach the file system.
/// </summary>
public static partial class CheckpointKeys
{
    public static string CheckedJobId(string jobId) =>
        JobIdPattern().IsMatch(jobId)
            ? jobId
            : throw new ArgumentException($"job id '{jobId}' may hold only letters, digits, '-' and '_'; refusing it as a checkpoint path");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex JobIdPattern();
}
