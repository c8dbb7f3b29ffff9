using Countercurrent.Learning.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// The noise schedule of NoProp-DT (Li, Teh and Pascanu 2025) for T blocks, and the formulas that use it. Time runs from
/// noise to label: z_0 is pure noise and z_T is closest to the label embedding u_y, with
/// q(z_t | y) = N(sqrt(abar_t) u_y, (1 - abar_t) I) and abar_t = alpha_t alpha_(t+1) ... alpha_T.
/// <para>
/// abar follows the cosine schedule of Nichol and Dhariwal (2021) with offset s = 0.008. How it is laid over the T + 1
/// noise levels z_T..z_0 is our reading (z_T at the first diffusion step, z_0 at the last): abar_t = f(T + 1 - t) / f(0) with
/// f(k) = cos^2(((k / (T + 1)) + s) / (1 + s) * pi / 2). So abar_0 = 0 (z_0 ~ N(0, I) exactly, the KL term of the
/// paper's loss vanishes) and abar_T &lt; 1 (every signal-to-noise ratio is finite).
/// </para>
/// <para>
/// Block t is trained with (T / 2) eta (SNR(t) - SNR(t - 1)) ||u_hat_t(z_(t-1), x) - u_y||^2, SNR(t) = abar_t / (1 - abar_t).
/// The paper's inference step draws z_t ~ N(a_t u_hat_t(z_(t-1), x) + b_t z_(t-1), c_t I): the Gaussian posterior
/// q(z_t | z_(t-1), y) with u_y replaced by the block's prediction.
/// </para>
/// </summary>
public sealed class NoPropSchedule
{
    public const double CosineOffset = 0.008;

    private readonly double[] _alphaBar;

    public NoPropSchedule(int blocks)
    {
        if (blocks < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "NoProp needs at least one block");
        }
        Blocks = blocks;
        double F(int k) => Math.Pow(Math.Cos(((double)k / (blocks + 1) + CosineOffset) / (1 + CosineOffset) * Math.PI / 2), 2);
        _alphaBar = Enumerable.Range(0, blocks + 1).Select(t => t == 0 ? 0 : F(blocks + 1 - t) / F(0)).ToArray();
    }

    /// <summary>T, the number of denoising blocks.</summary>
    public int Blocks { get; }

    /// <summary>abar_t for t = 0..T.</summary>
    public double AlphaBar(int t) => _alphaBar[t];

    /// <summary>alpha_t = abar_t / abar_(t+1), with alpha_T = abar_T.</summary>
    public double Alpha(int t) => t == Blocks ? _alphaBar[t] : _alphaBar[t] / _alphaBar[t + 1];

    public double Snr(int t) => _alphaBar[t] / (1 - _alphaBar[t]);

    /// <summary>The weight of block t's squared error: (T / 2) eta (SNR(t) - SNR(t - 1)).</summary>
    public double LossWeight(int t, double eta) => Blocks / 2.0 * eta * (Snr(t) - Snr(t - 1));

    /// <summary>a_t, b_t, c_t of the inference step into z_t (t = 1..T).</summary>
    public (double A, double B, double C) Step(int t)
    {
        var (abar, abarBefore, alphaBefore) = (_alphaBar[t], _alphaBar[t - 1], Alpha(t - 1));
        return (Math.Sqrt(abar) * (1 - alphaBefore) / (1 - abarBefore),
                Math.Sqrt(alphaBefore) * (1 - abar) / (1 - abarBefore),
                (1 - abar) * (1 - alphaBefore) / (1 - abarBefore));
    }

    /// <summary>A sample of z_t ~ q(z_t | y) for label embeddings <paramref name="embeddings"/> ([rows, d]).</summary>
    public Tensor Noised(int t, Tensor embeddings, Generator generator)
    {
        using var noise = Noise(embeddings.shape, embeddings.device, generator);
        using var signal = Math.Sqrt(_alphaBar[t]).ToScalar();
        using var spread = Math.Sqrt(1 - _alphaBar[t]).ToScalar();
        return embeddings.mul(signal).Plus(noise.mul(spread));
    }

    /// <summary>The mean of the inference step into z_t, a_t u_hat + b_t z_(t-1), from z_(t-1) and the block's prediction of the label embedding.</summary>
    public Tensor StepMean(int t, Tensor predicted, Tensor previous)
    {
        var (a, b, _) = Step(t);
        using var heldA = a.ToScalar();
        using var heldB = b.ToScalar();
        return predicted.mul(heldA).Plus(previous.mul(heldB));
    }

    /// <summary>Standard normal noise drawn on the CPU from <paramref name="generator"/>, then moved to <paramref name="device"/>.</summary>
    public static Tensor Noise(long[] shape, Device device, Generator generator)
    {
        var noise = randn(shape, generator: generator);
        if (device.type == DeviceType.CPU)
        {
            return noise;
        }
        using (noise)
        {
            return noise.to(device);
        }
    }
}
