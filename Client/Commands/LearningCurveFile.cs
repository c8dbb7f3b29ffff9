using Countercurrent.Client.Plots;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Client.Commands;

/// <summary>
/// Writes the learning-curve picture for a command. A path that cannot be written (--plot /proc/x.png) is reported
/// as an error after the run's result, not thrown: the training result matters more than its picture.
/// </summary>
public static class LearningCurveFile
{
    /// <summary>Writes the picture; returns null, or the error line to print.</summary>
    public static string? TryWrite(string path, string title, LossPoint[] curve, EpochResult[] history, long stepsPerEpoch)
    {
        try
        {
            LearningCurvePlot.Write(path, title, curve, history, stepsPerEpoch);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return $"cannot write the learning curve to {path}: {e.Message}";
        }
    }

    /// <summary>The exit code of a run whose result was <paramref name="exitCode"/>: a failed write turns success into <see cref="ExitCodes.Usage"/>.</summary>
    public static int ExitCode(int exitCode, string? writeError) =>
        writeError is not null && exitCode == ExitCodes.Success ? ExitCodes.Usage : exitCode;
}
