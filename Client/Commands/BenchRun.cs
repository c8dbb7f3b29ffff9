using System.Globalization;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Client.Commands;

/// <summary>One run of one bench mode: its samples/s, and per epoch every process that hosts layers.</summary>
public sealed record BenchRun(double SamplesPerSecond, int Intervals, List<ProcessResources[]> Memory, double BytesPerStep)
{
    /// <summary>Total RSS of the processes hosting layers, per epoch.</summary>
    public double[] RssMiB => Memory.Select(e => e.Sum(p => p.RssMiB)).ToArray();

    public long[] LiveTensors => Memory.Select(e => e.Sum(p => p.LiveTensors)).ToArray();

    /// <summary>Each process's RSS per epoch (null for an epoch it did not report), by process name.</summary>
    public Dictionary<string, double?[]> RssByProcess => Memory.SelectMany(e => e.Select(p => p.Process)).Distinct().Order(StringComparer.Ordinal)
        .ToDictionary(name => name, name => Memory.Select(e => e.FirstOrDefault(p => p.Process == name)?.RssMiB).ToArray());

    /// <summary>RSS growth from the end of epoch 2 (or 1) to the last epoch, in percent.</summary>
    public double RssGrowthPercent
    {
        get
        {
            var rss = RssMiB;
            var from = rss.Length > 2 ? rss[1] : rss.Length > 0 ? rss[0] : double.NaN;
            return rss.Length > 0 ? (rss[^1] - from) / from * 100 : double.NaN;
        }
    }

    public string Line(string mode, string rule) => string.Create(CultureInfo.InvariantCulture,
        $"{mode} {rule}: {SamplesPerSecond:N0} samples/s over {Intervals} intervals; " +
        $"RSS per epoch [{Join(RssMiB.Select(r => (double?)r))}] MiB{EachProcess()}; " +
        $"live tensors [{string.Join(" ", LiveTensors)}]; {BytesPerStep / 1024:N0} KiB sent per step");

    /// <summary>" (silo-1 [..], silo-2 [..])" when several processes host layers, otherwise nothing.</summary>
    private string EachProcess() => RssByProcess is { Count: > 1 } each
        ? $" ({string.Join(", ", each.Select(p => $"{p.Key} [{Join(p.Value)}]"))})"
        : "";

    private static string Join(IEnumerable<double?> mebibytes) =>
        string.Join(" ", mebibytes.Select(r => r?.ToString("N0", CultureInfo.InvariantCulture) ?? "-"));
}
