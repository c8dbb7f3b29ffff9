using System.Globalization;
using System.Text.Json;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Client;

/// <summary>
/// What `train` prints: a line per epoch (to standard error when --json, so standard output holds only the JSON
/// object) and, with --json, one JSON object at the end.
/// </summary>
public sealed class TrainingReport(bool json)
{
    public TextWriter Human { get; } = json ? Console.Error : Console.Out;

    public void Epoch(EpochResult e, int epochs) => Human.WriteLine(EpochLine(e, epochs));

    public static string EpochLine(EpochResult e, int epochs)
    {
        var losses = string.Join(" ", e.LayerLosses.Select((l, i) => float.IsNaN(l) ? null : $"L{i}={l:0.0000}").Where(s => s is not null));
        var validation = e.ValidationLoss is { } loss
            ? string.Create(CultureInfo.InvariantCulture, $"  val acc {e.ValidationAccuracy:0.0000}  val loss {loss:0.0000}")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {e.Epoch}/{epochs}  loss {losses}{validation}  test acc {e.TestAccuracy:0.0000}  test loss {e.TestLoss:0.0000}  {e.SamplesPerSecond:N0} samples/s  {e.Seconds:0.0} s");
    }

    /// <summary>
    /// The line about the epoch a validation split selected: its validation loss and test accuracy, and whether the
    /// job's final weights are its (they are when the job completed).
    /// </summary>
    public static string BestLine(EpochResult best, EpochResult? final)
    {
        var weights = final is null ? "the job did not complete, so its weights are not that epoch's" : $"the job's final weights are epoch {final.Epoch}'s";
        return string.Create(CultureInfo.InvariantCulture,
            $"best epoch {best.Epoch} (lowest validation loss {best.ValidationLoss:0.0000}, validation acc {best.ValidationAccuracy:0.0000}): test accuracy {best.TestAccuracy:0.0000}; {weights}");
    }

    /// <summary>
    /// The end of a run. <paramref name="best"/> is the epoch with the lowest validation loss (null without a
    /// validation split); <paramref name="final"/> the epoch whose weights the job ended with (null when it did not
    /// complete). <c>testAccuracy</c> stays the last epoch's; <c>finalTestAccuracy</c> is the final weights'.
    /// </summary>
    public void Final(string mode, string jobId, JobState state, EpochResult[] history, double samplesPerSecond, double elapsedSeconds,
        JobFailure? failure = null, string? plot = null, EpochResult? best = null, EpochResult? final = null)
    {
        if (plot is not null)
        {
            Human.WriteLine($"learning curve: {plot}");
        }
        var accuracy = history.Length > 0 ? history[^1].TestAccuracy : 0;
        if (!json)
        {
            Human.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{state}: test accuracy {accuracy:0.0000} after {history.Length} epoch{(history.Length == 1 ? "" : "s")}, {samplesPerSecond:N0} samples/s, {elapsedSeconds:0.0} s ({mode})"));
            if (best is not null)
            {
                Human.WriteLine(BestLine(best, final));
            }
            if (failure is not null)
            {
                Human.WriteLine($"failure: {failure}");
            }
            return;
        }
        var result = new
        {
            jobId,
            mode,
            state = state.ToString(),
            testAccuracy = accuracy,
            samplesPerSecond,
            epochs = history.Length,
            elapsedSeconds,
            failure = failure?.ToString(),
            learningCurve = plot,
            finalWeightsEpoch = final?.Epoch,
            finalTestAccuracy = final?.TestAccuracy,
            bestEpoch = best is null ? null : new
            {
                epoch = best.Epoch,
                validationLoss = best.ValidationLoss,
                validationAccuracy = best.ValidationAccuracy,
                testAccuracy = best.TestAccuracy,
                testLoss = best.TestLoss,
                finalWeights = final?.Epoch == best.Epoch,
            },
            history = history.Select(h => new
            {
                epoch = h.Epoch,
                testAccuracy = h.TestAccuracy,
                testLoss = h.TestLoss,
                validationAccuracy = h.ValidationAccuracy,
                validationLoss = h.ValidationLoss,
                samplesPerSecond = h.SamplesPerSecond,
                seconds = h.Seconds,
                layerLosses = h.LayerLosses.Select(l => float.IsNaN(l) ? (float?)null : l),
            }),
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    }
}
