using System.Collections.Concurrent;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;

namespace Countercurrent.Grains.Data;

/// <summary>
/// Datasets loaded once per silo and shared by the jobs that use them (Fashion-MNIST is ~220 MB as floats), keyed by
/// what determines their content (with a validation split, also its fraction and seed).
/// </summary>
public sealed class DatasetCache
{
    private readonly ConcurrentDictionary<string, Lazy<DatasetPair>> _loaded = new();

    public DatasetPair Get(JobSpec spec)
    {
        var key = spec.Dataset == "synthetic"
            ? $"synthetic/{spec.SyntheticSamples}/{spec.Seed}"
            : $"{spec.Dataset}/{Path.GetFullPath(DatasetCatalog.DirectoryFor(spec))}";
        if (spec.Validation > 0)
        {
            // The split depends on the fraction and the seed: jobs that hold out different samples share nothing.
            key += string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/validation {spec.Validation:R} seed {spec.Seed}");
        }
        var entry = _loaded.GetOrAdd(key, _ => new Lazy<DatasetPair>(() => DatasetCatalog.Load(spec)));
        try
        {
            return entry.Value;
        }
        catch
        {
            _loaded.TryRemove(key, out _); // a missing or corrupt file may be fixed; do not cache the failure
            throw;
        }
    }
}
