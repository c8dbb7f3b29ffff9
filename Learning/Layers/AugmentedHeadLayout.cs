namespace Countercurrent.Learning.Layers;

/// <summary>
/// Which layers above a local-aux layer its augmented (AugLocal) head copies. AugLocal builds layer i's auxiliary
/// network from layers sampled uniformly between i and the top, so each head sees a cheap version of the network that
/// will consume its output; heads get shallower towards the top (AugLocal's "pyramid"), where fewer layers remain.
/// Layers are counted as in AugLocal: the hidden layers of the chain are 0..n-1, the top is the classifier.
/// </summary>
public static class AugmentedHeadLayout
{
    /// <summary>AugLocal's pyramid coefficient: the top-most head has depth d(1 - c) + c.</summary>
    public const double Pyramid = 0.5;

    /// <summary>Depth of the head of <paramref name="layer"/> in a chain of <paramref name="layers"/> (top included), for bottom depth <paramref name="depth"/>.</summary>
    public static int Depth(int layer, int layers, int depth)
    {
        if (layers <= 2)
        {
            return depth;
        }
        var towardsTop = layer * Pyramid / (layers - 2);
        return Math.Max(1, (int)Math.Round(depth * (1 - towardsTop) + towardsTop));
    }

    /// <summary>The indices of the hidden layers above <paramref name="layer"/> that its head copies, bottom first; empty just below the top.</summary>
    public static int[] SampledLayers(int layer, int layers, int depth)
    {
        var hidden = layers - 1;
        var above = hidden - 1 - layer;
        var d = Depth(layer, layers, depth);
        if (above <= 0)
        {
            return [];
        }
        if (d >= above)
        {
            return Enumerable.Range(layer + 1, above).ToArray();
        }
        return Enumerable.Range(1, d).Select(k => (int)Math.Round(layer + (double)above / d * k)).ToArray();
    }
}
