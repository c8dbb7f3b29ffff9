using Countercurrent.Learning.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// How supervised forward-forward shows a label to the network: it overwrites the first <c>classes</c> features of each
/// (flattened) input with the label's one-hot code times <see cref="Scale"/> (Hinton 2022; loeweX/Forward-Forward puts it
/// in the first pixels of the image). Negative data is the same image with a wrong label; the neutral code (every class
/// at Scale/classes) shows no label and is what inference sees.
/// </summary>
public static class LabelEmbedding
{
    /// <summary>Value of the label's entry; about the largest pixel of a standardised Fashion-MNIST image.</summary>
    public const float Scale = 2f;

    /// <summary>The inputs, flattened, with <paramref name="codes"/> ([rows, classes]) in their first features.</summary>
    public static Tensor Embed(Tensor inputs, Tensor codes)
    {
        var flat = inputs.flatten(1);
        var classes = codes.shape[1];
        return cat([codes.to_type(flat.dtype), flat.narrow(1, classes, flat.shape[1] - classes)], 1);
    }

    public static Tensor OneHot(Tensor labels, int classes)
    {
        using var scale = Scale.ToScalar();
        return nn.functional.one_hot(labels, classes).to_type(ScalarType.Float32).mul(scale);
    }

    public static Tensor Neutral(long rows, int classes, Device device)
    {
        using var share = (Scale / classes).ToScalar();
        return full([rows, classes], share, device: device);
    }

    /// <summary>For each label, a different label drawn uniformly from the other classes: never the true one.</summary>
    public static Tensor WrongLabels(Tensor labels, int classes, Generator generator)
    {
        using var offsets = randint(1, classes, [labels.shape[0]], generator: generator);
        using var onDevice = offsets.to(labels.device);
        using var count = classes.ToScalar();
        return labels.Plus(onDevice).remainder(count);
    }
}
