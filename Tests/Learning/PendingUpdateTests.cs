using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Rules;
using static Countercurrent.Tests.Learning.RuleTestChains;
using static TorchSharp.torch;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// A layer hands back its signals with its weight update still pending, and the update is applied before the layer's
/// next call whether or not the caller applied it: the weights come out the same either way.
/// </summary>
public sealed class PendingUpdateTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Backprop_sends_its_gradient_before_updating_and_the_next_call_applies_a_forgotten_update(int stepsInFlight)
    {
        using var scope = NewDisposeScope();
        var spec = Spec(stepsInFlight: stepsInFlight);
        var chain = Chain(spec, BackpropRule.RuleName, 6, 5, 4, 3);
        using var applied = new Layer(Context(spec, chain, 1));
        using var forgotten = new Layer(Context(spec, chain, 1));
        var before = Copy(applied.Rule.ForwardParameters[0]);
        var labels = Labels(0, 1, 2);
        var input = Normal(1, 3, 5);
        var gradient = Normal(2, 3, 4);

        foreach (var layer in new[] { applied, forgotten })
        {
            layer.Forward(Batch(0, input, labels));
            var down = layer.Feedback(new FeedbackBatch(0, FeedbackKind.Gradient, gradient, 2));
            Assert.Null(down.Update);
            Assert.Equal([3L, 5], down.Down!.Signal.shape);
            Assert.True(layer.HasPendingUpdate);
            AssertClose(before, layer.Rule.ForwardParameters[0], 0, "weights before the update");
        }
        applied.ApplyPendingUpdate();
        Assert.False(applied.HasPendingUpdate);
        Assert.False(applied.Rule.ForwardParameters[0].allclose(before), "the update changed nothing");

        var next = Normal(3, 3, 5);
        var fromApplied = applied.Forward(Batch(1, next, labels));
        var fromForgotten = forgotten.Forward(Batch(1, next, labels));

        AssertClose(applied.Rule.ForwardParameters[0], forgotten.Rule.ForwardParameters[0], 0, "weights");
        AssertClose(fromApplied.Up!.Activation, fromForgotten.Up!.Activation, 0, "next step's activation");
    }

    [Fact]
    public void Saving_a_layer_applies_its_pending_update_first()
    {
        using var scope = NewDisposeScope();
        var spec = Spec();
        var chain = Chain(spec, LocalAuxiliaryRule.RuleName, 6, 5, 4, 3);
        using var layer = new Layer(Context(spec, chain, 1));
        using var copy = new Layer(Context(spec, chain, 1));
        layer.Forward(Batch(0, Normal(4, 3, 5), Labels(0, 1, 2)));
        Assert.True(layer.HasPendingUpdate);

        copy.LoadState(layer.SaveState());

        Assert.False(layer.HasPendingUpdate);
        AssertClose(layer.Rule.ForwardParameters[0], copy.Rule.ForwardParameters[0], 0, "saved weights");
    }
}
