using Countercurrent.Contracts.Signals;

namespace Countercurrent.Learning.Training;

/// <summary>Running mean of each layer's local loss over an epoch, plus the latest value.</summary>
public sealed class LossAverager(int layers)
{
    private readonly double[] _sums = new double[layers];
    private readonly int[] _counts = new int[layers];

    public float[] Latest { get; } = Enumerable.Repeat(float.NaN, layers).ToArray();

    /// <summary>Each layer's loss sum so far (a copy), to carry the tally over a checkpoint.</summary>
    public double[] Sums => (double[])_sums.Clone();

    /// <summary>Each layer's number of losses so far (a copy).</summary>
    public int[] Counts => (int[])_counts.Clone();

    /// <summary>Continues from a tally taken with <see cref="Sums"/> and <see cref="Counts"/>.</summary>
    public void Restore(double[] sums, int[] counts)
    {
        if (sums.Length != _sums.Length || counts.Length != _counts.Length)
        {
            throw new ArgumentException($"a tally of {sums.Length} layers cannot continue one of {_sums.Length}");
        }
        sums.CopyTo(_sums, 0);
        counts.CopyTo(_counts, 0);
    }

    public void Add(IEnumerable<LayerLoss> losses)
    {
        foreach (var (layer, loss) in losses)
        {
            _sums[layer] += loss;
            _counts[layer]++;
            Latest[layer] = loss;
        }
    }

    /// <summary>Mean per layer; NaN for a layer that reported no loss (its rule has none, e.g. a hidden backprop layer).</summary>
    public float[] Means() => _sums.Select((s, i) => _counts[i] > 0 ? (float)(s / _counts[i]) : float.NaN).ToArray();

    public void Reset()
    {
        Array.Clear(_sums);
        Array.Clear(_counts);
    }
}
