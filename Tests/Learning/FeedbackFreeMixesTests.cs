using Countercurrent.Contracts.Grains;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;

namespace Countercurrent.Tests.Learning;

/// <summary>Feedback-free rules mix with others only where every layer still gets what it learns from.</summary>
public sealed class FeedbackFreeMixesTests
{
    [Fact]
    public void LocalAuxLayersUnderABackpropBlockLearnWithoutFeedbackToThem()
    {
        var spec = FeedbackFreeTraining.Synthetic with { Model = "mlp:784-64-64-32-10", Rules = ["local-aux", "local-aux", "backprop", "backprop"] };

        var (result, _, feedback) = FeedbackFreeTraining.Run(spec);

        Assert.True(result.TestAccuracy > 0.5, $"test accuracy {result.TestAccuracy:P1}");
        // Only the top backprop layer sends a gradient, to the backprop layer below it; nothing reaches the local-aux layers.
        Assert.Equal(result.History.Length * ((spec.SyntheticSamples + spec.BatchSize - 1) / spec.BatchSize), feedback);
    }

    [Theory]
    [InlineData("backprop,local-aux,local-aux", "layer 0 (backprop) learns from feedback")]
    [InlineData("local-aux,ff,ff", "'ff' shapes what travels")]
    [InlineData("ff,ff,backprop", "'ff' shapes what travels")]
    [InlineData("noprop,noprop,local-aux", "'noprop' shapes what travels")]
    public void ImpossibleMixesAreRefusedSayingWhy(string rules, string why)
    {
        var spec = FeedbackFreeTraining.Synthetic with { Model = "mlp:784-16-16-10", Rules = rules.Split(',') };

        var error = Assert.Throws<JobSpecException>(() => JobSpecValidator.Validate(spec));

        Assert.Equal("rules", error.Field);
        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void BackpropSendsFeedbackOnlyToRulesThatTakeIt()
    {
        Assert.True(RuleCatalog.TakesFeedback(BackpropRule.RuleName));
        Assert.False(RuleCatalog.TakesFeedback(LocalAuxiliaryRule.RuleName));
        Assert.False(RuleCatalog.TakesFeedback(ForwardForwardRule.RuleName));
        Assert.False(RuleCatalog.TakesFeedback(NoPropRule.RuleName));
    }
}
