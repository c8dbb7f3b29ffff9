using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Models;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>Chains of rules that cannot exchange signals are refused before training, with a message saying why.</summary>
public sealed class RuleChainValidationTests
{
    [Theory]
    [InlineData("backprop,dfa,dfa", "layer 0: it is below a dfa layer, which sends nothing down")]
    [InlineData("dfa,backprop,backprop", "layer 1: it is between dfa layer 0 and the top")]
    [InlineData("dfa,dfa,fa", "layer 2: the top layer over dfa layers must broadcast the output error")]
    [InlineData("dfa,dfa,ccl", "layer 2: the top layer over dfa layers must broadcast the output error")]
    [InlineData("ccl,ccl,backprop", "layer 2: its rule 'backprop' is mixed with ccl")]
    [InlineData("fa,ccl,ccl", "layer 0: its rule 'fa' is mixed with ccl")]
    [InlineData("hebbian", "rule 'hebbian' is unknown")]
    public void Mixes_that_cannot_work_are_refused_with_the_reason(string rules, string reason)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecValidator.Validate(Spec("mlp:784-16-16-10", rules)));
        Assert.Equal("rules", error.Field);
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData("cnn:c4k3m2-10", "fa", "layer 0: fa is implemented for linear layers only")]
    [InlineData("cnn:c4k4s2-10", "ccl", "layer 0: ccl conv layers need an odd kernel")]
    public void Conv_layers_a_rule_cannot_handle_are_refused(string model, string rule, string reason)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecValidator.Validate(Spec(model, rule)));
        Assert.Equal("rules", error.Field);
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData("dfa")]
    [InlineData("ccl")]
    public void Conv_layers_that_keep_a_graph_until_feedback_take_one_step_in_flight(string rule)
    {
        var error = Assert.Throws<JobSpecException>(() => JobSpecValidator.Validate(Spec("cnn:c4k3m2-10", rule) with { StepsInFlight = 2 }));
        Assert.Equal("stepsInFlight", error.Field);
        Assert.Contains("conv graph does not survive", error.Message);
        Assert.Equal(2, JobSpecValidator.Validate(Spec("cnn:c4k3m2-10", rule)).Length);
    }

    [Theory]
    [InlineData("fa,backprop,fa")]
    [InlineData("backprop,fa,backprop")]
    [InlineData("dfa,dfa,backprop")]
    [InlineData("dfa")]
    [InlineData("ccl")]
    [InlineData("fa")]
    public void Mixes_that_work_are_accepted(string rules)
    {
        var chain = JobSpecValidator.Validate(Spec("mlp:784-16-16-10", rules) with { StepsInFlight = 4 });
        Assert.Equal(3, chain.Length);
    }

    private static JobSpec Spec(string model, string rules) => new()
    {
        Dataset = "synthetic",
        Model = model,
        Rules = rules.Split(','),
    };
}
