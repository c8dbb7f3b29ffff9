using Countercurrent.Client;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Xunit;

namespace Countercurrent.Tests.Client;

/// <summary>A job spec from a JSON file (camelCase, unknown keys refused) with command-line options on top.</summary>
public sealed class JobSpecReaderTests : IDisposable
{
    private static readonly HashSet<string> Flags = ["in-process", "json", "no-bias", "help"];

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private const string SpecJson = """
        {
          "jobId": "from-file",
          "dataset": "synthetic",
          "model": "mlp:784-64-10",
          "activation": "tanh",
          "bias": false,
          "rules": ["backprop"],
          "optimizer": "sgd",
          "learningRate": 0.05,
          "momentum": 0.9,
          "batchSize": 32,
          "epochs": 4,
          "seed": 11,
          "stepsInFlight": 2,
          "placement": [{ "layer": 1, "silo": "silo-b", "device": "cpu" }],
          "syntheticSamples": 512
        }
        """;

    [Fact]
    public void SpecFileLoads()
    {
        var path = Write("spec.json", SpecJson);

        var spec = JobSpecReader.FromFile(path);

        Assert.Equal("from-file", spec.JobId);
        Assert.Equal("synthetic", spec.Dataset);
        Assert.Equal("mlp:784-64-10", spec.Model);
        Assert.Equal("tanh", spec.Activation);
        Assert.False(spec.Bias);
        Assert.Equal(["backprop"], spec.Rules);
        Assert.Equal("sgd", spec.Optimizer);
        Assert.Equal(0.05, spec.LearningRate);
        Assert.Equal(0.9, spec.Momentum);
        Assert.Equal(32, spec.BatchSize);
        Assert.Equal(4, spec.Epochs);
        Assert.Equal(11, spec.Seed);
        Assert.Equal(2, spec.StepsInFlight);
        Assert.Equal([new LayerPlacement(1, "silo-b", "cpu")], spec.Placement);
        Assert.Equal(512, spec.SyntheticSamples);
        // Keys the file leaves out keep their defaults.
        Assert.Equal(new JobSpec().WeightDecay, spec.WeightDecay);
        Assert.Equal(new JobSpec().MaxStepsPerEpoch, spec.MaxStepsPerEpoch);
    }

    [Fact]
    public void UnknownKeyIsRefusedNamingTheKey()
    {
        var path = Write("typo.json", """{ "dataset": "synthetic", "learningRat": 0.1 }""");

        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.FromFile(path));

        Assert.Equal("spec", error.Field);
        Assert.Contains(path, error.Message);
        Assert.Contains("learningRat", error.Message);
    }

    [Fact]
    public void InvalidJsonIsRefused()
    {
        var path = Write("broken.json", """{ "dataset": "synthetic", """);

        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.FromFile(path));

        Assert.Equal("spec", error.Field);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ValueOfTheWrongTypeIsRefused()
    {
        var path = Write("types.json", """{ "batchSize": "many" }""");

        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.FromFile(path));

        Assert.Equal("spec", error.Field);
        Assert.Contains("batchSize", error.Message);
    }

    [Theory]
    [InlineData("jobId")]
    [InlineData("model")]
    [InlineData("rules")]
    [InlineData("placement")]
    public void NullForAValueIsRefusedNamingTheKey(string key)
    {
        var path = Write("nulls.json", $$"""{ "dataset": "synthetic", "{{key}}": null }""");

        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.FromFile(path));

        Assert.Equal("spec", error.Field);
        Assert.Contains(path, error.Message);
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void NullInsideAPlacementIsRefused()
    {
        var path = Write("placement.json", """{ "placement": [{ "layer": 0, "device": null }] }""");

        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.FromFile(path));

        Assert.Equal("spec", error.Field);
        Assert.Contains("device", error.Message);
    }

    [Fact]
    public void MissingSpecFileIsRefused()
    {
        var path = _folder.File("absent.json");

        var error = Assert.Throws<JobSpecException>(() => JobSpecReader.FromFile(path));

        Assert.Equal("spec", error.Field);
        Assert.Contains(path, error.Message);
        Assert.Contains("file not found", error.Message);
    }

    [Fact]
    public void CommandLineOptionsOverrideTheFile()
    {
        var path = Write("spec.json", SpecJson);
        var args = new CommandLineArgs(
            ["train", "--spec", path, "--lr", "0.5", "--epochs=7", "--model", "mlp:784-16-10", "--rule", "backprop, backprop", "--in-process"],
            Flags);

        var spec = JobSpecReader.FromCommandLine(args);

        Assert.Equal(0.5, spec.LearningRate);
        Assert.Equal(7, spec.Epochs);
        Assert.Equal("mlp:784-16-10", spec.Model);
        Assert.Equal(["backprop", "backprop"], spec.Rules);
        // What the command line does not say comes from the file.
        Assert.Equal("from-file", spec.JobId);
        Assert.Equal(0.9, spec.Momentum);
        Assert.Equal(32, spec.BatchSize);
        Assert.False(spec.Bias);
    }

    [Fact]
    public void AuxiliaryHeadOptionsAreRead()
    {
        var spec = JobSpecReader.FromCommandLine(new CommandLineArgs(["train", "--rule", "local-aux", "--aux-head", "augmented", "--aux-depth", "3"], Flags));

        Assert.Equal(["local-aux"], spec.Rules);
        Assert.Equal("augmented", spec.AuxHead);
        Assert.Equal(3, spec.AuxDepth);
        Assert.Equal("linear", new JobSpec().AuxHead);
    }

    [Fact]
    public void ValidationFractionIsReadFromTheCommandLineAndTheFile()
    {
        var fromFlag = JobSpecReader.FromCommandLine(new CommandLineArgs(["train", "--validation", "0.1"], Flags));
        var fromFile = JobSpecReader.FromFile(Write("validation.json", """{ "dataset": "synthetic", "validation": 0.2 }"""));

        Assert.Equal(0.1, fromFlag.Validation);
        Assert.Equal(0.2, fromFile.Validation);
        Assert.Equal(0, new JobSpec().Validation);
    }

    [Fact]
    public void NoBiasFlagTurnsBiasOff()
    {
        var spec = JobSpecReader.FromCommandLine(new CommandLineArgs(["train", "--no-bias", "--dataset", "synthetic"], Flags));

        Assert.False(spec.Bias);
        Assert.Equal("synthetic", spec.Dataset);
    }

    private string Write(string name, string text)
    {
        var path = _folder.File(name);
        File.WriteAllText(path, text);
        return path;
    }
}
