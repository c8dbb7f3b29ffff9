namespace Countercurrent.Learning.Data;

/// <summary>
/// The seeded order in which one epoch visits the training set: a Fisher-Yates permutation drawn from (seed, epoch),
/// cut into batches. The same seed and epoch give the same batches on every machine, which is what lets a job
/// resume at a step or compare a run on grains with one in process.
/// </summary>
public sealed class BatchOrder
{
    private readonly int[] _permutation;

    public BatchOrder(int sampleCount, int batchSize, long seed, int epoch, bool shuffle = true, int maxSteps = 0)
    {
        BatchSize = batchSize;
        _permutation = Enumerable.Range(0, sampleCount).ToArray();
        if (shuffle)
        {
            // Seeded System.Random is stable across processes and machines (HashCode is not: it is randomised per process).
            var random = new Random(unchecked((int)(seed * 1_000_003L + epoch)));
            for (var i = _permutation.Length - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (_permutation[i], _permutation[j]) = (_permutation[j], _permutation[i]);
            }
        }
        var steps = (sampleCount + batchSize - 1) / batchSize;
        StepCount = maxSteps > 0 ? Math.Min(steps, maxSteps) : steps;
    }

    public int BatchSize { get; }
    public int StepCount { get; }

    /// <summary>Sample indices of batch <paramref name="step"/> (the last batch may be smaller).</summary>
    public ReadOnlySpan<int> Batch(int step)
    {
        var start = step * BatchSize;
        return _permutation.AsSpan(start, Math.Min(BatchSize, _permutation.Length - start));
    }
}
