using Countercurrent.Contracts.Jobs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Layers;

/// <summary>
/// One NoProp denoising block u_t(z_(t-1), x), as an MLP: the raw input and the noised label embedding each go through
/// a layer of their own, the two are joined by a third, and a last layer gives class logits (the paper's blocks have
/// the same shape, with convolutions for the image). The rule turns the logits into a prediction of the label
/// embedding. Hidden layers have the width the model string gives the block.
/// </summary>
public sealed class DenoisingBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear _image;
    private readonly Linear _label;
    private readonly Linear _joined;
    private readonly Linear _logits;
    private readonly Activation _activation;

    public DenoisingBlock(LayerSpec spec, long inputFeatures, long embeddingFeatures, long classes, Device device, ulong seed) : base($"denoiser{spec.Index}")
    {
        var width = spec.Hidden;
        _image = nn.Linear(inputFeatures, width, hasBias: spec.Bias);
        _label = nn.Linear(embeddingFeatures, width, hasBias: spec.Bias);
        _joined = nn.Linear(2 * width, width, hasBias: spec.Bias);
        _logits = nn.Linear(width, classes);
        _activation = Activation.Parse(spec.Activation);
        RegisterComponents();
        ParameterInit.Reset(this, seed);
        this.to(device);
    }

    /// <summary>Class logits from the raw input <paramref name="input"/> and the noised label embedding <paramref name="noised"/>.</summary>
    public override Tensor forward(Tensor input, Tensor noised)
    {
        var image = _activation.Apply(_image.forward(input.flatten(1)));
        var label = _activation.Apply(_label.forward(noised));
        var joined = _activation.Apply(_joined.forward(cat([image, label], 1)));
        return _logits.forward(joined);
    }
}
