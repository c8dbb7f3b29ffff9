using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// The local loss of counter-current learning for one pair (a_l, c_l), as in the reference MLP: the N x C matrix of raw
/// dot products between the batch's forward activations a_l [N, d] and the feedback network's class vectors c_l [C, d]
/// should be the one-hot label matrix. Mean squared error over its N*C entries, times 0.5 * 256 / d (the reference's
/// loss_scale_C = 0.5 and its 256), so that wide and narrow layers get losses of the same size.
/// </summary>
public static class CounterCurrentLoss
{
    /// <summary>loss_scale_C times 256: the pair loss is multiplied by this over the width d.</summary>
    public const double Scale = 0.5 * 256;

    /// <summary>The pair loss; both inputs are flattened per row, so image-shaped activations work too.</summary>
    public static Tensor Pair(Tensor activations, Tensor classVectors, Tensor labels)
    {
        var a = activations.flatten(1);
        var c = classVectors.flatten(1);
        if (a.shape[1] != c.shape[1])
        {
            throw new ArgumentException($"activations have {a.shape[1]} features per sample but the class vectors have {c.shape[1]}");
        }
        var similarity = a.matmul(c.t());
        var targets = nn.functional.one_hot(labels, c.shape[0]).to_type(similarity.dtype);
        return nn.functional.mse_loss(similarity, targets) * (Scale / a.shape[1]);
    }
}
