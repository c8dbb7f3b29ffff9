using Countercurrent.Contracts.Signals;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>What a classifier's top layer computes from its logits: the cross-entropy loss and, in evaluation, the tally.</summary>
public static class Classification
{
    public static Tensor Loss(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels);

    /// <summary>
    /// dLoss/d(logits) of the mean cross-entropy, (softmax(logits) - onehot(labels)) / N, with no autograd graph:
    /// the output error that feedback alignment sends down through B and direct feedback alignment broadcasts. Kept
    /// divided by the batch size so that it has the scale of backprop's gradient and a learning rate carries over.
    /// </summary>
    public static Tensor OutputError(Tensor logits, Tensor labels)
    {
        using var _ = no_grad();
        using var probabilities = nn.functional.softmax(logits.detach(), 1);
        using var targets = nn.functional.one_hot(labels, logits.shape[1]).to_type(logits.dtype);
        using var error = probabilities - targets;
        using var rows = logits.shape[0].ToScalar();
        return error.div(rows);
    }

    public static EvalTally Tally(Tensor logits, Tensor labels)
    {
        using var predicted = logits.argmax(1);
        using var hits = predicted.eq(labels).sum();
        using var lossSum = nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum);
        return new EvalTally((int)hits.item<long>(), (int)labels.shape[0], lossSum.item<float>());
    }
}
