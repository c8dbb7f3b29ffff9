using Countercurrent.Learning.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// The one-pass Adam update against the formula computed in double precision, element by element, and the conditions
/// under which <see cref="AdamOptimizer"/> may use it.
/// </summary>
public sealed class FusedAdamKernelTests
{
    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(37, 0.0)]
    [InlineData(1000, 0.01)]
    public void Each_element_follows_adams_formula(int length, double weightDecay)
    {
        var random = new Random(length);
        float[] Draw(double scale) => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
        var parameter = Draw(1);
        var gradient = Draw(1e-2);
        var mean = Draw(1e-3);
        var square = Draw(1e-5).Select(Math.Abs).ToArray();
        var before = (Parameter: parameter.ToArray(), Mean: mean.ToArray(), Square: square.ToArray());
        const int step = 3;
        const double rate = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var negativeStep = -rate / (1 - Math.Pow(beta1, step));
        var root = Math.Sqrt(1 - Math.Pow(beta2, step));

        FusedAdamKernel.Step(parameter, gradient, mean, square,
            new FusedAdamKernel.StepNumbers((float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2), (float)eps, (float)weightDecay, (float)negativeStep, (float)root));

        for (var i = 0; i < length; i++)
        {
            var g = gradient[i] + weightDecay * before.Parameter[i];
            var m = beta1 * before.Mean[i] + (1 - beta1) * g;
            var v = beta2 * before.Square[i] + (1 - beta2) * g * g;
            var denominator = Math.Sqrt(v) / root + eps;
            var p = before.Parameter[i] + negativeStep * m / denominator;
            // Roundings are relative to the terms, not to a sum in which they cancel.
            var gScale = Math.Abs(gradient[i]) + Math.Abs(weightDecay * before.Parameter[i]);
            var mScale = beta1 * Math.Abs(before.Mean[i]) + (1 - beta1) * gScale;
            AssertNear(m, mean[i], mScale, $"first moment {i}");
            AssertNear(v, square[i], v, $"second moment {i}");
            AssertNear(p, parameter[i], Math.Abs(before.Parameter[i]) + Math.Abs(negativeStep) * mScale / denominator, $"parameter {i}");
        }
    }

    [Fact]
    public void Takes_contiguous_float32_cpu_tensors_only()
    {
        using var parameter = randn(4, 3);
        using var same = randn(4, 3);
        using var doubles = randn(4, 3, dtype: ScalarType.Float64);
        using var transposed = randn(3, 4).t();
        using var shorter = randn(11);

        Assert.True(FusedAdamKernel.Fits(parameter, same, same, same));
        Assert.False(FusedAdamKernel.Fits(parameter, doubles, same, same));
        Assert.False(FusedAdamKernel.Fits(parameter, transposed, same, same));
        Assert.False(FusedAdamKernel.Fits(parameter, same, shorter, same));
        Assert.Throws<ArgumentException>(() => FusedAdamKernel.Step(new float[4], new float[3], new float[4], new float[4], default));
    }

    [Fact]
    public void A_graph_that_saved_the_old_weights_fails_on_backward_as_with_libtorchs_update()
    {
        using var weights = randn(3, 4).requires_grad_();
        using var input = randn(2, 3).requires_grad_();
        using var output = input.matmul(weights).sum();
        using var gradient = ones(3, 4);
        using var mean = zeros(3, 4);
        using var square = zeros(3, 4);

        FusedAdamKernel.Step(weights, gradient, mean, square, new FusedAdamKernel.StepNumbers(0.9f, 0.1f, 0.999f, 0.001f, 1e-8f, 0, -0.01f, 0.0447f));

        var failure = Assert.ThrowsAny<Exception>(() => output.backward());
        Assert.Contains("inplace", failure.Message);
    }

    /// <summary>Within a few float roundings, of a value of magnitude <paramref name="scale"/>, of the double-precision value.</summary>
    private static void AssertNear(double expected, float actual, double scale, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 4 * Math.Pow(2, -23) * scale, $"{what}: {actual} against {expected}");
}
