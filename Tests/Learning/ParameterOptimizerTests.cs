using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// The project's SGD and Adam updates (which hold their Scalars, see TorchScalars) against TorchSharp's own optimizers:
/// the same parameters after the same gradients, and state that either one saves loads into the other, so checkpoints
/// written before the project computed its own updates still resume. Adam on float32 CPU parameters runs
/// <see cref="FusedAdamKernel"/>, whose square root is correctly rounded where MKL's (which libtorch calls) is within an
/// ulp, so it agrees to a few ulps; on float64 it takes the tensor operations, and agrees exactly.
/// </summary>
public sealed class ParameterOptimizerTests
{
    public static TheoryData<string, double, double, ScalarType> Settings => new()
    {
        { "sgd", 0.0, 0.0, ScalarType.Float32 },
        { "sgd", 0.9, 0.01, ScalarType.Float32 },
        { "adam", 0.0, 0.0, ScalarType.Float32 },
        { "adam", 0.0, 0.01, ScalarType.Float32 },
        { "adam", 0.0, 0.0, ScalarType.Float64 },
        { "adam", 0.0, 0.01, ScalarType.Float64 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Updates_equal_torchsharps_optimizer(string optimizer, double momentum, double weightDecay, ScalarType type)
    {
        var (spec, ours, theirs) = Setting(optimizer, momentum, weightDecay, seed: 1, type);
        using var project = Create(ours, spec);
        using var reference = Reference(theirs, spec);

        StepBoth(project, ours, reference, theirs, seeds: Enumerable.Range(100, 6));

        AssertAgree(ours, theirs, Tolerance(optimizer, type));
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void State_saved_by_either_resumes_in_the_other(string optimizer, double momentum, double weightDecay, ScalarType type)
    {
        var (spec, ours, theirs) = Setting(optimizer, momentum, weightDecay, seed: 2, type);
        using var referenceBefore = Reference(theirs, spec);
        using var projectBefore = Create(ours, spec);
        StepBoth(projectBefore, ours, referenceBefore, theirs, seeds: Enumerable.Range(200, 3));

        // Each side's state goes to a fresh optimizer of the other kind, and both go on.
        using var projectAfter = Create(theirs, spec);
        using var referenceAfter = Reference(ours, spec);
        projectAfter.Load(Reader(w => referenceBefore.save_state_dict(w)));
        referenceAfter.load_state_dict(Reader(projectBefore.Save));
        StepBoth(projectAfter, theirs, referenceAfter, ours, seeds: Enumerable.Range(203, 3));

        AssertAgree(ours, theirs, Tolerance(optimizer, type));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Zeroing_drops_the_gradients(string optimizer)
    {
        var parameters = Parameters(seed: 4);
        using var project = Create(parameters, new JobSpec { Optimizer = optimizer });
        SetGradients(parameters, Parameters(seed: 5), seed: 6);

        project.ZeroGrad();

        Assert.All(parameters, p => Assert.Null(p.grad));
    }

    [Fact]
    public void A_parameter_without_a_gradient_is_left_alone()
    {
        var parameters = Parameters(seed: 3);
        using var before = parameters[0].detach().clone();
        using var optimizer = Create(parameters, new JobSpec { Optimizer = "adam", LearningRate = 0.1 });
        using (var gradient = ones_like(parameters[1]))
        {
            parameters[1].grad = gradient.clone();
        }

        optimizer.Step();

        Assert.Equal(0, MaxDifference(parameters[0], before));
        Assert.NotEqual(0, MaxDifference(parameters[1], Parameters(seed: 3)[1]));
    }

    /// <summary>The spec, and two equal sets of parameters: one for the project's optimizer, one for TorchSharp's.</summary>
    private static (JobSpec Spec, Parameter[] Ours, Parameter[] Theirs) Setting(string optimizer, double momentum, double weightDecay, int seed, ScalarType type) =>
        (new JobSpec { Optimizer = optimizer, LearningRate = 0.05, Momentum = momentum, WeightDecay = weightDecay }, Parameters(seed, type), Parameters(seed, type));

    /// <summary>How many ulps of the reference value the two may differ by.</summary>
    private static double Tolerance(string optimizer, ScalarType type) => optimizer == "adam" && type == ScalarType.Float32 ? 4 : 0;

    /// <summary>One step of each optimizer per seed, both given the same random gradients.</summary>
    private static void StepBoth(ParameterOptimizer project, Parameter[] projectParameters, OptimizerHelper reference, Parameter[] referenceParameters, IEnumerable<int> seeds)
    {
        foreach (var seed in seeds)
        {
            SetGradients(projectParameters, referenceParameters, seed);
            project.Step();
            reference.step();
        }
    }

    private static ParameterOptimizer Create(Parameter[] parameters, JobSpec spec) => spec.Optimizer == "sgd"
        ? new SgdOptimizer(parameters, spec)
        : new AdamOptimizer(parameters, spec);

    private static OptimizerHelper Reference(Parameter[] parameters, JobSpec spec) => spec.Optimizer == "sgd"
        ? optim.SGD(parameters, spec.LearningRate, momentum: spec.Momentum, weight_decay: spec.WeightDecay)
        : optim.Adam(parameters, spec.LearningRate, weight_decay: spec.WeightDecay);

    /// <summary>A weight of 20 elements and a bias of 5, so the fused kernel runs both its vector loop and its tail.</summary>
    internal static Parameter[] Parameters(int seed, ScalarType type = ScalarType.Float32)
    {
        using var generator = new Generator((ulong)seed);
        return [new Parameter(randn([5, 4], dtype: type, generator: generator)), new Parameter(randn([5], dtype: type, generator: generator))];
    }

    /// <summary>The same random gradient on the matching parameter of both sets.</summary>
    internal static void SetGradients(Parameter[] first, Parameter[] second, int seed)
    {
        using var generator = new Generator((ulong)seed);
        for (var i = 0; i < first.Length; i++)
        {
            using var gradient = randn(first[i].shape, dtype: first[i].dtype, generator: generator);
            first[i].grad = gradient.clone();
            second[i].grad = gradient.clone();
        }
    }

    private static BinaryReader Reader(Action<BinaryWriter> save)
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            save(writer);
        }
        stream.Position = 0;
        return new BinaryReader(stream);
    }

    /// <summary>Every element within <paramref name="ulps"/> units in the last place of the reference's (0: equal).</summary>
    internal static void AssertAgree(Parameter[] ours, Parameter[] theirs, double ulps)
    {
        for (var i = 0; i < ours.Length; i++)
        {
            var epsilon = ours[i].dtype == ScalarType.Float32 ? Math.Pow(2, -23) : Math.Pow(2, -52);
            using var difference = (ours[i].detach() - theirs[i].detach()).abs();
            using var allowed = theirs[i].detach().abs() * (ulps * epsilon);
            using var within = (difference <= allowed).all();
            Assert.True(within.item<bool>(), $"parameter {i} differs by up to {MaxDifference(ours[i], theirs[i])} ({ulps} ulps allowed)");
        }
    }

    private static double MaxDifference(Tensor a, Tensor b)
    {
        using var difference = (a.detach() - b.detach()).abs().max().to_type(ScalarType.Float64);
        return difference.item<double>();
    }
}
