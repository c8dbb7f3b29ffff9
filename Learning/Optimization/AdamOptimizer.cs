using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Optimization;

/// <summary>
/// Adam (Kingma and Ba 2015) with L2 weight decay, betas 0.9 and 0.999 and eps 1e-8, as PyTorch and TorchSharp define it:
/// g += wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
/// Float32 parameters in CPU memory take <see cref="FusedAdamKernel"/> (one pass; the same roundings as libtorch's
/// operations except the square root, which is correctly rounded there and within an ulp in MKL's); others (a GPU,
/// another type) take the eight tensor operations.
/// </summary>
public sealed class AdamOptimizer : ParameterOptimizer
{
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.999;
    public const double Eps = 1e-8;

    private readonly Adam.State[] _states;
    private readonly double _rate;
    private readonly double _weightDecayNumber;
    private readonly Scalar _beta1;
    private readonly Scalar _oneMinusBeta1;
    private readonly Scalar _beta2;
    private readonly Scalar _oneMinusBeta2;
    private readonly Scalar _eps;
    private readonly Scalar _weightDecay;

    public AdamOptimizer(Parameter[] parameters, JobSpec spec)
        : base(parameters, optim.Adam(parameters, spec.LearningRate, Beta1, Beta2, Eps, weight_decay: spec.WeightDecay))
    {
        _states = State.state_dict().State.Cast<Adam.State>().ToArray();
        _rate = spec.LearningRate;
        _weightDecayNumber = spec.WeightDecay;
        _beta1 = Beta1.ToScalar();
        _oneMinusBeta1 = (1 - Beta1).ToScalar();
        _beta2 = Beta2.ToScalar();
        _oneMinusBeta2 = (1 - Beta2).ToScalar();
        _eps = Eps.ToScalar();
        _weightDecay = spec.WeightDecay.ToScalar();
    }

    protected override void Update(int index, Parameter parameter, Tensor gradient, float gradientScale)
    {
        var state = _states[index];
        state.step += 1;
        var biasCorrection1 = 1 - Math.Pow(Beta1, state.step);
        var biasCorrection2 = 1 - Math.Pow(Beta2, state.step);
        if (FusedAdamKernel.Fits(parameter, gradient, state.exp_avg, state.exp_avg_sq))
        {
            FusedAdamKernel.Step(parameter, gradient, state.exp_avg, state.exp_avg_sq, new FusedAdamKernel.StepNumbers(
                (float)Beta1, (float)(1 - Beta1), (float)Beta2, (float)(1 - Beta2), (float)Eps, (float)_weightDecayNumber,
                (float)(-_rate / biasCorrection1), (float)Math.Sqrt(biasCorrection2)), gradientScale);
            return;
        }
        Scale(gradient, gradientScale);
        if (_weightDecayNumber != 0)
        {
            gradient = gradient.add(parameter, alpha: _weightDecay);
        }
        state.exp_avg.mul_(_beta1).add_(gradient, alpha: _oneMinusBeta1);
        state.exp_avg_sq.mul_(_beta2).addcmul_(gradient, gradient, value: _oneMinusBeta2);
        using var rootCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
        using var negativeStep = (-_rate / biasCorrection1).ToScalar();
        var denominator = state.exp_avg_sq.sqrt().div(rootCorrection2).PlusInPlace(_eps);
        parameter.addcdiv_(state.exp_avg, denominator, value: negativeStep);
    }

    protected override void DisposeNumbers()
    {
        _beta1.Dispose();
        _oneMinusBeta1.Dispose();
        _beta2.Dispose();
        _oneMinusBeta2.Dispose();
        _eps.Dispose();
        _weightDecay.Dispose();
    }
}
