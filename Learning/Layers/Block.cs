using Countercurrent.Contracts.Jobs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Layers;

/// <summary>
/// The module of one layer: a linear map (flattening its input) or a conv2d, then the activation, then optional max
/// pooling. Built on the layer's device with deterministic weights.
/// </summary>
public sealed class Block : nn.Module<Tensor, Tensor>
{
    private readonly Linear? _linear;
    private readonly Conv2d? _conv;
    private readonly MaxPool2d? _pool;
    private readonly long[] _inputShape;

    public Block(LayerSpec spec, Device device, ulong seed) : base($"layer{spec.Index}")
    {
        Spec = spec;
        Activation = Activation.Parse(spec.Activation);
        _inputShape = spec.InputShape;
        if (spec.Kind == LayerKind.Linear)
        {
            _linear = nn.Linear(spec.InputFeatures, spec.OutputFeatures, hasBias: spec.Bias);
        }
        else
        {
            _conv = nn.Conv2d(spec.InputShape[0], spec.OutputShape[0], spec.Kernel, stride: spec.Stride, padding: spec.Padding, bias: spec.Bias);
            if (spec.Pool > 1)
            {
                _pool = nn.MaxPool2d(spec.Pool);
            }
        }
        RegisterComponents();
        ParameterInit.Reset(this, seed);
        this.to(device);
    }

    public LayerSpec Spec { get; }
    public Activation Activation { get; }

    public override Tensor forward(Tensor input)
    {
        using var z = PreActivation(input);
        return Finish(z);
    }

    /// <summary>z = W x (+ b), before the activation; the input is reshaped to what the layer expects.</summary>
    public Tensor PreActivation(Tensor input)
    {
        if (_linear is not null)
        {
            return _linear.forward(input.dim() == 2 ? input : input.flatten(1));
        }
        var images = input.dim() == 4 ? input : input.reshape([input.shape[0], .. _inputShape]);
        return _conv!.forward(images);
    }

    /// <summary>f(z), then pooling.</summary>
    public Tensor Finish(Tensor z)
    {
        var a = Activation.Apply(z);
        if (_pool is null)
        {
            return a;
        }
        using (a)
        {
            return _pool.forward(a);
        }
    }
}
