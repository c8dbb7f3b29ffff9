using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Optimization;

/// <summary>
/// Stochastic gradient descent with optional momentum (no dampening, not Nesterov) and L2 weight decay, as PyTorch and
/// TorchSharp define it: g += wd * p; b = g on the first step, then b = momentum * b + g; p -= lr * (b or g).
/// </summary>
public sealed class SgdOptimizer : ParameterOptimizer
{
    private readonly SGD.State[] _states;
    private readonly bool _momentum;
    private readonly bool _decay;
    private readonly Scalar _momentumFactor;
    private readonly Scalar _weightDecay;
    private readonly Scalar _negativeRate;

    public SgdOptimizer(Parameter[] parameters, JobSpec spec)
        : base(parameters, optim.SGD(parameters, spec.LearningRate, momentum: spec.Momentum, weight_decay: spec.WeightDecay))
    {
        _states = State.state_dict().State.Cast<SGD.State>().ToArray();
        _momentum = spec.Momentum != 0;
        _decay = spec.WeightDecay != 0;
        _momentumFactor = spec.Momentum.ToScalar();
        _weightDecay = spec.WeightDecay.ToScalar();
        _negativeRate = (-spec.LearningRate).ToScalar();
    }

    protected override void Update(int index, Parameter parameter, Tensor gradient, float gradientScale)
    {
        Scale(gradient, gradientScale);
        if (_decay)
        {
            gradient = gradient.add(parameter, alpha: _weightDecay);
        }
        if (_momentum)
        {
            var state = _states[index];
            if (state.momentum_buffer is null)
            {
                state.momentum_buffer = gradient.clone().detach().DetachFromDisposeScope();
            }
            else
            {
                state.momentum_buffer.mul_(_momentumFactor).add_(gradient, alpha: TorchScalars.One);
            }
            gradient = state.momentum_buffer;
        }
        parameter.add_(gradient, alpha: _negativeRate);
    }

    protected override void DisposeNumbers()
    {
        _momentumFactor.Dispose();
        _weightDecay.Dispose();
        _negativeRate.Dispose();
    }
}
