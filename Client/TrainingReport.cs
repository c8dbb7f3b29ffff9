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
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {e.Epoch}/{epochs}  loss {losses}  test acc {e.TestAccuracy:0.0000}  test loss {e.TestLoss:0.0000}  {e.SamplesPerSecond:N0} samples/s  {e.Seconds:0.0} s");
    }

    public void Final(string mode, string jobId, JobState state, EpochResult[] history, double samplesPerSecond, double elapsedSeconds, JobFailure? failure = null, string? plot = null)
    {
        if (plot is not null)
        {
            Human.WriteLine($"learning curve: {plot}");
        }
        var accuracy = history.Length > 0 ? history[^1].TestAccuracy : 0;
        if (!json)
        {
            Human.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{state}: test accuracy {accuracy:0.0000} after {history.Length} epochs, {samplesPerSecond:N0} samples/s, {elapsedSeconds:0.0} s ({mode})"));
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
            history = history.Select(h => new
            {
                epoch = h.Epoch,
                testAccuracy = h.TestAccuracy,
                testLoss = h.TestLoss,
                samplesPerSecond = h.SamplesPerSecond,
                seconds = h.Seconds,
                layerLosses = h.LayerLosses.Select(l => float.IsNaN(l) ? (float?)null : l),
            }),
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    }
}
