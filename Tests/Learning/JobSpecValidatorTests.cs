using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Models;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>Model strings become chains of layers with the right shapes; specs that cannot work are refused naming the field.</summary>
public sealed class JobSpecValidatorTests
{
    private static readonly JobSpec Good = new()
    {
        JobId = "validator-test",
        Dataset = "synthetic",
        Model = "mlp:784-32-10",
        Optimizer = "sgd",
        LearningRate = 0.1,
        BatchSize = 64,
        Epochs = 1,
    };

    [Fact]
    public void GoodSpecIsAccepted()
    {
        var chain = JobSpecValidator.Validate(Good);

        Assert.Equal(2, chain.Length);
    }

    [Fact]
    public void RepeatedMlpWidthsGiveTheRightChain()
    {
        var chain = JobSpecValidator.Validate(Good with { Model = "mlp:784-256x5-10" });

        Assert.Equal(6, chain.Length);
        Assert.Equal([1L, 28, 28], chain[0].InputShape);
        Assert.Equal([256L], chain[0].OutputShape);
        for (var i = 1; i < 5; i++)
        {
            Assert.Equal([256L], chain[i].InputShape);
            Assert.Equal([256L], chain[i].OutputShape);
        }
        Assert.Equal([256L], chain[5].InputShape);
        Assert.Equal([10L], chain[5].OutputShape);
        Assert.All(chain, layer => Assert.Equal(LayerKind.Linear, layer.Kind));
        Assert.Equal(Enumerable.Range(0, 6), chain.Select(l => l.Index));
        Assert.All(chain[..^1], layer => Assert.Equal("relu", layer.Activation));
        Assert.Equal("none", chain[^1].Activation);
        Assert.All(chain, layer => Assert.Equal("backprop", layer.Rule));
    }

    [Fact]
    public void CnnGivesTheRightShapes()
    {
        var chain = JobSpecValidator.Validate(Good with { Model = "cnn:c32k5m2-c64k5m2-1024-10", Bias = false });

        Assert.Equal(4, chain.Length);
        Assert.Equal([LayerKind.Conv, LayerKind.Conv, LayerKind.Linear, LayerKind.Linear], chain.Select(l => l.Kind));
        Assert.Equal([1L, 28, 28], chain[0].InputShape);
        Assert.Equal([32L, 14, 14], chain[0].OutputShape);
        Assert.Equal((5, 1, 2, 2), (chain[0].Kernel, chain[0].Stride, chain[0].Padding, chain[0].Pool));
        Assert.Equal([32L, 14, 14], chain[1].InputShape);
        Assert.Equal([64L, 7, 7], chain[1].OutputShape);
        Assert.Equal([64L, 7, 7], chain[2].InputShape);
        Assert.Equal(64 * 7 * 7, chain[2].InputFeatures);
        Assert.Equal([1024L], chain[2].OutputShape);
        Assert.Equal([1024L], chain[3].InputShape);
        Assert.Equal([10L], chain[3].OutputShape);
        Assert.All(chain, layer => Assert.False(layer.Bias));
    }

    [Fact]
    public void OneRulePerLayerIsAssignedInOrder()
    {
        var chain = JobSpecValidator.Validate(Good with { Model = "mlp:784-16-16-10", Rules = ["backprop", "backprop", "backprop"] });

        Assert.Equal(3, chain.Length);
        Assert.All(chain, layer => Assert.Equal("backprop", layer.Rule));
    }

    /// <summary>Each refusal: the spec, the field the exception must name and a fragment of its message.</summary>
    private static readonly Dictionary<string, (JobSpec Spec, string Field, string Fragment)> Refusals = new()
    {
        ["unknown rule"] = (Good with { Rules = ["telepathy"] }, "rules", "rule 'telepathy' is unknown"),
        ["missing rule name"] = (Good with { Model = "mlp:784-16-10", Rules = ["backprop", null!] }, "rules", "layer 1: rule '' is unknown"),
        ["unknown dataset"] = (Good with { Dataset = "cifar-10" }, "dataset", "'cifar-10' is unknown"),
        ["input width does not fit the dataset"] = (Good with { Model = "mlp:100-10" }, "model", "takes 100 inputs but the dataset's samples have 784"),
        ["top width is not the class count"] = (Good with { Model = "mlp:784-32-12" }, "model", "the top layer has 12 outputs but synthetic has 10 classes"),
        ["zero width"] = (Good with { Model = "mlp:784-0-10" }, "model", "'0' must be positive"),
        ["zero repeat"] = (Good with { Model = "mlp:784-32x0-10" }, "model", "'32x0' must be positive"),
        ["negative width"] = (Good with { Model = "mlp:784--32-10" }, "model", "has an empty part"),
        ["zero conv channels"] = (Good with { Model = "cnn:c0k5-10" }, "model", "needs positive channels"),
        ["no model kind"] = (Good with { Model = "784-10" }, "model", "has no kind"),
        ["batch size 0"] = (Good with { BatchSize = 0 }, "batchSize", "0 must be positive"),
        ["epochs 0"] = (Good with { Epochs = 0 }, "epochs", "0 must be positive"),
        ["negative learning rate"] = (Good with { LearningRate = -0.1 }, "learningRate", "must be positive"),
        ["NaN learning rate"] = (Good with { LearningRate = double.NaN }, "learningRate", "is not a finite number"),
        ["infinite learning rate"] = (Good with { LearningRate = double.PositiveInfinity }, "learningRate", "is not a finite number"),
        ["momentum 1"] = (Good with { Momentum = 1 }, "momentum", "must be below 1"),
        ["negative weight decay"] = (Good with { WeightDecay = -1e-4 }, "weightDecay", "must be zero or positive"),
        ["unknown optimizer"] = (Good with { Optimizer = "lbfgs" }, "optimizer", "'lbfgs' is unknown"),
        ["path in job id"] = (Good with { JobId = "../x" }, "jobId", "'../x' may hold only letters, digits"),
        ["steps in flight 0"] = (Good with { StepsInFlight = 0 }, "stepsInFlight", "0 is outside 1..64"),
        ["unknown activation"] = (Good with { Activation = "sigmoidish" }, "activation", "'sigmoidish' is unknown"),
        ["rules count mismatch"] = (Good with { Model = "mlp:784-32-16-10", Rules = ["backprop", "backprop"] }, "rules", "2 rules for 3 layers"),
        ["batch over the payload limit"] = (Good with { BatchSize = TensorPayload.MaxBytes / (784 * sizeof(float)) + 1 }, "batchSize", "over the 67,108,864-byte payload limit"),
        ["placement to a missing layer"] = (Good with { Placement = [new LayerPlacement(99)] }, "placement", "layer 99 does not exist (the model has layers 0..1)"),
        ["layer placed twice"] = (Good with { Placement = [new LayerPlacement(1), new LayerPlacement(1)] }, "placement", "layer 1 is placed twice"),
        ["bad device"] = (Good with { Placement = [new LayerPlacement(0, Device: "gpu0")] }, "placement", "device 'gpu0' is not cpu or cuda:N"),
        ["no synthetic samples"] = (Good with { SyntheticSamples = 0 }, "syntheticSamples", "must be positive"),
        ["validation over a half"] = (Good with { Validation = 0.6 }, "validation", "0.6 is outside 0..0.5"),
        ["negative validation"] = (Good with { Validation = -0.1 }, "validation", "-0.1 is outside 0..0.5"),
        ["NaN validation"] = (Good with { Validation = double.NaN }, "validation", "NaN is outside 0..0.5"),
    };

    public static TheoryData<string> RefusalNames => [.. Refusals.Keys];

    [Theory]
    [MemberData(nameof(RefusalNames))]
    public void BadSpecIsRefusedNamingTheField(string name)
    {
        var (spec, field, fragment) = Refusals[name];

        var error = Assert.Throws<JobSpecException>(() => JobSpecValidator.Validate(spec));

        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ": ", error.Message);
        Assert.Contains(fragment, error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void ValidationFractionsUpToAHalfAreAccepted(double fraction)
    {
        Assert.Equal(2, JobSpecValidator.Validate(Good with { Validation = fraction }).Length);
    }

    [Fact]
    public void LargestBatchWithinThePayloadLimitIsAccepted()
    {
        var chain = JobSpecValidator.Validate(Good with { BatchSize = TensorPayload.MaxBytes / (784 * sizeof(float)) });

        Assert.Equal(2, chain.Length);
    }
}
