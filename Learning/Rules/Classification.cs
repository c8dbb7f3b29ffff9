using Countercurrent.Contracts.Signals;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>What a classifier's top layer computes from its logits: the cross-entropy loss and, in evaluation, the tally.</summary>
public static class Classification
{
    public static Tensor Loss(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels);

    public static EvalTally Tally(Tensor logits, Tensor labels)
    {
        using var predicted = logits.argmax(1);
        using var hits = predicted.eq(labels).sum();
        using var lossSum = nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum);
        return new EvalTally((int)hits.item<long>(), (int)labels.shape[0], lossSum.item<float>());
    }
}
