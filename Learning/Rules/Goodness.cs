using Countercurrent.Learning.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// The forward-forward objective (Hinton 2022): a layer's goodness for a sample is the sum of its squared activities,
/// and the probability that the sample is positive (real data with its true label) is sigmoid(goodness - threshold).
/// The layer minimises the logistic loss of that probability: softplus(threshold - g) for positive samples and
/// softplus(g - threshold) for negative ones, averaged over both (as in loeweX/Forward-Forward, where the threshold is
/// the number of features). softplus(x) is computed as -logsigmoid(-x), which needs no Scalar (see TorchScalars).
/// </summary>
public static class Goodness
{
    /// <summary>Sum of squared activities per sample: [rows, ...] to [rows].</summary>
    public static Tensor Of(Tensor activities) => activities.flatten(1).Squared().sum(1);

    /// <summary>Mean logistic loss over positive and negative samples, each pushed to its side of <paramref name="threshold"/>.</summary>
    public static Tensor Loss(Tensor positiveGoodness, Tensor negativeGoodness, double threshold)
    {
        using var held = threshold.ToScalar();
        using var rows = (positiveGoodness.shape[0] + negativeGoodness.shape[0]).ToScalar();
        var positive = nn.functional.logsigmoid(positiveGoodness - held).sum();
        var negative = nn.functional.logsigmoid(negativeGoodness.Subtracted(held)).sum();
        return positive.Plus(negative).neg().div(rows);
    }

    /// <summary>
    /// Each sample scaled to a root-mean-square of 1, flattened. Between layers this removes the goodness the layer
    /// below measured (its length), so the layer above must find new evidence in the direction of the activity vector.
    /// </summary>
    public static Tensor LengthNormalised(Tensor input)
    {
        var flat = input.flatten(1);
        return flat / flat.Squared().mean([1], keepdim: true).sqrt().Plus(TorchScalars.Epsilon);
    }
}
