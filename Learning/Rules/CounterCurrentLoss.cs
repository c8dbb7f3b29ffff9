using Countercurrent.Learning.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// The local loss of counter-current learning for one pair (a_l, c_l): the batch's forward activations a_l [N, ...]
/// against the feedback network's class vectors c_l [C, ...], both flattened per row, should give a sample-by-class
/// similarity matrix equal to the one-hot labels. Two forms, as in the reference code:
/// <list type="bullet">
/// <item><see cref="Pair"/> (the reference MLP): raw dot products, mean squared error over the N*C entries, times
/// 0.5 * 256 / d (its loss_scale_C = 0.5 and its 256), so that wide and narrow layers get losses of the same size.</item>
/// <item><see cref="NormalisedPair"/> (the reference CNN): cosine similarities instead, times 0.5, plus two
/// decorrelation terms, each times 0.5: the batch's samples against each other (A A^T towards I_N) and the class
/// vectors against each other (B B^T towards I_C). Without them, normalised vectors could all collapse together.</item>
/// </list>
/// </summary>
public static class CounterCurrentLoss
{
    /// <summary>loss_scale_C times 256: the MLP pair loss is multiplied by this over the width d.</summary>
    public const double Scale = 0.5 * 256;

    /// <summary>The reference CNN's loss_scale_C and loss_scale_ssl: the weights of its three terms.</summary>
    public const double NormalisedScale = 0.5;

    /// <summary>The MLP pair loss.</summary>
    public static Tensor Pair(Tensor activations, Tensor classVectors, Tensor labels)
    {
        var (a, c) = Rows(activations, classVectors);
        var similarity = a.matmul(c.t());
        using var scale = (Scale / a.shape[1]).ToScalar();
        return nn.functional.mse_loss(similarity, OneHot(labels, c)).mul(scale);
    }

    /// <summary>The CNN pair loss: cosine alignment with the labels plus decorrelation of samples and of class vectors.</summary>
    public static Tensor NormalisedPair(Tensor activations, Tensor classVectors, Tensor labels)
    {
        var (rawA, rawC) = Rows(activations, classVectors);
        var a = UnitRows(rawA);
        var c = UnitRows(rawC);
        var alignment = nn.functional.mse_loss(a.matmul(c.t()), OneHot(labels, c));
        var samples = nn.functional.mse_loss(a.matmul(a.t()), eye(a.shape[0], dtype: a.dtype, device: a.device));
        var classes = nn.functional.mse_loss(c.matmul(c.t()), eye(c.shape[0], dtype: c.dtype, device: c.device));
        using var scale = NormalisedScale.ToScalar();
        return alignment.Plus(samples).Plus(classes).mul(scale);
    }

    private static (Tensor A, Tensor C) Rows(Tensor activations, Tensor classVectors)
    {
        var a = activations.flatten(1);
        var c = classVectors.flatten(1);
        if (a.shape[1] != c.shape[1])
        {
            throw new ArgumentException($"activations have {a.shape[1]} features per sample but the class vectors have {c.shape[1]}");
        }
        return (a, c);
    }

    private static Tensor OneHot(Tensor labels, Tensor classVectors) =>
        nn.functional.one_hot(labels, classVectors.shape[0]).to_type(classVectors.dtype);

    /// <summary>Each row divided by its L2 norm (plus 1e-8, so a zero row stays zero).</summary>
    private static Tensor UnitRows(Tensor rows) => rows / rows.norm(1, keepdim: true).Plus(TorchScalars.Epsilon);
}
