using Countercurrent.Contracts.Signals;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// The evaluation pass that rules whose forward module is the whole layer share: run the module without gradients and
/// pass the output up, or, at the top, tally the predictions.
/// </summary>
public static class Inference
{
    public static RuleOutput Forward(nn.Module<Tensor, Tensor> module, ForwardBatch batch, bool isTop)
    {
        using var _ = no_grad();
        var output = module.forward(batch.Activation);
        return isTop
            ? new RuleOutput(Eval: Classification.Tally(output, batch.Labels!))
            : new RuleOutput(Up: batch with { Activation = output });
    }
}
