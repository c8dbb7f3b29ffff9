using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Layers;
using Countercurrent.Learning.Rules;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Cluster;

/// <summary>Tensors handed between layers on one silo: the receiver owns its handles, the sender keeps its own.</summary>
public sealed class HandedSignalsTests
{
    [Fact]
    public void A_handed_batch_outlives_the_senders_scope_and_ends_with_the_receivers()
    {
        using var kept = ones(4, 3);
        ForwardBatch handed;
        using (NewDisposeScope())
        {
            var activation = kept * 2;
            var labels = tensor(new long[] { 1, 2, 3, 0 });
            handed = HandedSignals.Hand(new ForwardBatch(7, Phase.Train, activation, labels));
        }
        // The sender's scope is gone; the handed aliases are not.
        Assert.False(handed.Activation.IsInvalid);
        Assert.Equal(24f, handed.Activation.sum().item<float>());

        ForwardBatch taken;
        using (var scope = NewDisposeScope())
        {
            taken = HandedSignals.Take(handed, scope, CPU);
            Assert.Same(handed.Activation, taken.Activation);
            Assert.Equal([1L, 2, 3, 0], taken.Labels!.data<long>().ToArray());
        }
        Assert.True(taken.Activation.IsInvalid);
        Assert.True(taken.Labels!.IsInvalid);
        Assert.False(kept.IsInvalid);
    }

    [Fact]
    public void Disposing_a_handed_signal_leaves_the_senders_tensor_alone()
    {
        using var signal = full(2, 2, 3f);
        var handed = HandedSignals.Hand(new FeedbackBatch(1, FeedbackKind.Gradient, signal, 2));

        HandedSignals.Dispose(handed);

        Assert.True(handed.Signal.IsInvalid);
        Assert.Equal(12f, signal.sum().item<float>());
        Assert.Equal(16, HandedSignals.Bytes(signal));
    }
}
