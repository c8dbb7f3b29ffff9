using Countercurrent.Contracts.Signals;

namespace Countercurrent.Learning.Training;

/// <summary>Running mean of each layer's local loss over an epoch, plus the latest value.</summary>
public sealed class LossAverager(int layers)
{
    private readonly double[] _sums = new double[layers];
    private readonly int[] _counts = new int[layers];

    public float[] Latest { get; } = Enumerable.Repeat(float.NaN, layers).ToArray();

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
