using Countercurrent.Contracts.Jobs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Layers;

/// <summary>
/// The feedback path of a conv layer under counter-current learning: it maps what the layer outputs back to what the
/// layer takes in, as the reference CNN does, by nearest-neighbour upsampling to the input's height and width and then
/// a stride-1 convolution from the output channels to the input channels (kernel as the forward conv, size-preserving
/// padding), then the activation. Upsampling to the exact input size (rather than by the stride) undoes any stride,
/// padding or pooling of the forward conv, so odd sizes such as 7 -> 4 -> 7 work too.
/// </summary>
public sealed class UpsamplingFeedbackBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv;
    private readonly long[] _forwardInputShape;
    private readonly long[] _forwardOutputShape;

    /// <param name="forward">The conv layer whose feedback this is.</param>
    /// <param name="activation">The activation after the convolution ("none" for the bottom layer, whose output is compared with the input).</param>
    public UpsamplingFeedbackBlock(LayerSpec forward, string activation, Device device, ulong seed) : base($"feedback{forward.Index}")
    {
        if (forward.Kind != LayerKind.Conv)
        {
            throw new ArgumentException($"layer {forward.Index} is not a conv layer");
        }
        _forwardInputShape = forward.InputShape;
        _forwardOutputShape = forward.OutputShape;
        Activation = Activation.Parse(activation);
        _conv = nn.Conv2d(forward.OutputShape[0], forward.InputShape[0], forward.Kernel, stride: 1, padding: forward.Kernel / 2, bias: forward.Bias);
        RegisterComponents();
        ParameterInit.Reset(this, seed);
        this.to(device);
    }

    public Activation Activation { get; }

    /// <summary>[N, out features] or [N, C_out, h, w] in; [N, C_in, H, W] out.</summary>
    public override Tensor forward(Tensor input)
    {
        using var images = input.reshape([input.shape[0], .. _forwardOutputShape]);
        using var upsampled = nn.functional.interpolate(images, size: [_forwardInputShape[1], _forwardInputShape[2]], mode: InterpolationMode.Nearest);
        using var z = _conv.forward(upsampled);
        return Activation.Apply(z);
    }
}
