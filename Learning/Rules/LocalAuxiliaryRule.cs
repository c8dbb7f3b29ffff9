using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Optimization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// Local auxiliary classifiers (DGL, Belilovsky et al. 2020; AugLocal, Ma et al. 2024): each layer puts a small
/// classifier of its own (<see cref="AuxiliaryHead"/>) on its output and trains block and head together by
/// cross-entropy on the labels. Its input is detached, so no gradient and no signal goes down: a layer learns from what
/// arrives from below and the label alone, and can start on step s+1 as soon as it has passed step s up. The top layer
/// is the network's classifier, trained with cross-entropy on its own output; inference uses only the blocks.
/// </summary>
public sealed class LocalAuxiliaryRule : ILearningRule
{
    public const string RuleName = "local-aux";

    private readonly LayerContext _context;
    private readonly Block _block;
    private readonly AuxiliaryHead? _head;
    private readonly Parameter[] _blockParameters;
    private readonly LayerOptimizer _optimizer;

    public LocalAuxiliaryRule(LayerContext context)
    {
        _context = context;
        _block = new Block(context.Layer, context.Device, context.Seed(0));
        _blockParameters = _block.parameters().ToArray();
        if (!context.IsTop)
        {
            _head = new AuxiliaryHead(context.Chain, context.Index, context.Job.AuxHead, context.Job.AuxDepth, context.Device, context.Seed(1));
        }
        _optimizer = new LayerOptimizer(_blockParameters.Concat(_head?.parameters() ?? []), context.Job);
    }

    public string Name => RuleName;
    public IReadOnlyList<Parameter> ForwardParameters => _blockParameters;
    public int PendingSteps => 0;

    /// <summary>The auxiliary classifier; null at the top, whose output is already the class logits.</summary>
    public AuxiliaryHead? Head => _head;

    public RuleOutput Forward(ForwardBatch batch)
    {
        if (batch.Phase == Phase.Eval)
        {
            using var _ = no_grad();
            var output = _block.forward(batch.Activation);
            return _context.IsTop
                ? new RuleOutput(Eval: Classification.Tally(output, batch.Labels!))
                : new RuleOutput(Up: batch with { Activation = output });
        }
        var z = _block.forward(batch.Activation.detach());
        var logits = _head is null ? z : _head.forward(z);
        var loss = Classification.Loss(logits, batch.Labels!);
        return new RuleOutput(Up: _context.IsTop ? null : batch with { Activation = z.detach() }, Loss: loss.item<float>(), Update: _optimizer.UpdateFrom(loss));
    }

    public RuleOutput Feedback(FeedbackBatch feedback) =>
        throw new InvalidOperationException($"{RuleName} learns from its own auxiliary classifier and takes no feedback, but {feedback.Kind} arrived from layer {feedback.FromLayer}");

    public void Save(BinaryWriter writer)
    {
        _block.save(writer);
        _head?.save(writer);
        _optimizer.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        _block.load(reader);
        _head?.load(reader);
        _optimizer.Load(reader);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _head?.Dispose();
        _block.Dispose();
    }
}
