using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Layers;

/// <summary>
/// Deterministic initialisation from a private generator, so that a layer gets the same weights in any process and
/// whatever other layers are being built at the same time (torch's global generator is shared by the whole process).
/// Same distribution as PyTorch's default for Linear and Conv2d: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
/// </summary>
public static class ParameterInit
{
    /// <summary>A seed for one stream of one layer: the job's seed, the layer index and what the stream is for.</summary>
    public static ulong StreamSeed(long jobSeed, int layer, int stream) =>
        unchecked((ulong)(jobSeed * 1_000_003L + layer * 101L + stream));

    public static void Reset(nn.Module module, ulong seed)
    {
        using var generator = new Generator(seed);
        using var _ = no_grad();
        long fanIn = 1;
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (parameter.dim() >= 2)
            {
                fanIn = parameter.shape.Skip(1).Aggregate(1L, (n, d) => n * d);
            }
            var bound = 1.0 / Math.Sqrt(fanIn);
            UniformInPlace(parameter, bound, generator);
        }
    }

    /// <summary>Fills <paramref name="tensor"/> with U(-bound, bound) drawn from <paramref name="generator"/> on the CPU.</summary>
    public static void UniformInPlace(Tensor tensor, double bound, Generator generator)
    {
        using var width = (2 * bound).ToScalar();
        using var low = bound.ToScalar();
        using var values = rand(tensor.shape, generator: generator);
        tensor.copy_(values.mul_(width).sub_(low));
    }
}
