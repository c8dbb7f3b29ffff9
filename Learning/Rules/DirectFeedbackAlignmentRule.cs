using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Optimization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// Direct feedback alignment (Nøkland 2016): every hidden layer learns from the network's output error alone, sent to
/// it through its own fixed random matrix, so hidden layers never wait on each other and send nothing down.
/// <para>
/// The top layer (this rule or backprop) computes the mean cross-entropy, updates itself with its true gradient and
/// broadcasts the output error e = (softmax(logits) - onehot(labels)) / N, which is dLoss/d(logits). Dividing by the
/// batch size N gives the hidden updates the scale of the top's (and backprop's) gradients.
/// </para>
/// <para>
/// Hidden layer i owns a fixed B_i of shape [out_i, classes] drawn once from U(-1/sqrt(out_i), 1/sqrt(out_i)) (the
/// reference's 1/sqrt of the receiving layer's width) from its own seeded stream. On e it computes
/// delta_i = (e B_i^T) * f'(z_i) by backpropagating e B_i^T through the graph of its own forward pass (activation, and
/// pooling for a conv layer), so W_i gets delta_i^T h_{i-1}; the update goes through the layer's optimizer, with its
/// clipping. The graph is kept from the forward pass, so the update is consistent with the weights that produced the
/// step's activation even with several steps in flight (a linear layer's graph does not hold its weight when the input
/// needs no gradient; a conv layer's does, which is why conv layers take one step in flight, see
/// <see cref="RuleCatalog.ValidateChain"/>).
/// </para>
/// </summary>
public sealed class DirectFeedbackAlignmentRule : ILearningRule
{
    public const string RuleName = "dfa";

    private readonly LayerContext _context;
    private readonly Block _block;
    private readonly LayerOptimizer _optimizer;
    private readonly Dictionary<long, Tensor> _outputs = [];
    private Tensor? _feedbackMatrix;

    public DirectFeedbackAlignmentRule(LayerContext context)
    {
        _context = context;
        _block = new Block(context.Layer, context.Device, context.Seed(0));
        _optimizer = new LayerOptimizer(_block.parameters(), context.Job);
        if (!context.IsTop)
        {
            var classes = context.Chain[^1].OutputFeatures;
            var width = context.Layer.OutputFeatures;
            _feedbackMatrix = FixedRandomMatrix.Draw([width, classes], 1.0 / Math.Sqrt(width), context.Seed(1), context.Device);
        }
    }

    public string Name => RuleName;
    public IReadOnlyList<Parameter> ForwardParameters => _optimizer.Parameters;
    public int PendingSteps => _outputs.Count;

    /// <summary>The fixed random matrix B_i, [out_i, classes]; null at the top, which uses its true gradient.</summary>
    public Tensor? FeedbackMatrix => _feedbackMatrix;

    public RuleOutput Forward(ForwardBatch batch)
    {
        if (batch.Phase == Phase.Eval)
        {
            return Inference.Forward(_block, batch, _context.IsTop);
        }
        if (_context.IsTop)
        {
            return TrainTop(batch, _block, _optimizer, _context.Index);
        }
        var a = _block.forward(batch.Activation.detach());
        _outputs[batch.Step] = a.DetachFromDisposeScope();
        return new RuleOutput(Up: batch with { Activation = a.detach() });
    }

    public RuleOutput Feedback(FeedbackBatch feedback)
    {
        if (feedback.Kind != FeedbackKind.OutputError || _feedbackMatrix is null)
        {
            throw new InvalidOperationException(_context.IsTop
                ? $"the dfa top layer computes the output error itself and takes no feedback ({feedback.Kind} arrived)"
                : $"dfa expects the output error broadcast from the top, not {feedback.Kind}");
        }
        if (!_outputs.Remove(feedback.Step, out var output))
        {
            throw new InvalidOperationException($"output error for step {feedback.Step} arrived but no forward pass of that step is stashed");
        }
        try
        {
            var projected = feedback.Signal.matmul(_feedbackMatrix.t()).reshape(output.shape);
            return new RuleOutput(Update: _optimizer.UpdateFrom(output, projected));
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The top layer over direct-feedback-alignment layers, whichever its rule: cross-entropy, its own update by the
    /// true gradient, and the output error broadcast to every layer below.
    /// </summary>
    internal static RuleOutput TrainTop(ForwardBatch batch, Block block, LayerOptimizer optimizer, int index)
    {
        var logits = block.forward(batch.Activation.detach());
        var loss = Classification.Loss(logits, batch.Labels!);
        var broadcast = index == 0 ? null : new FeedbackBatch(batch.Step, FeedbackKind.OutputError, Classification.OutputError(logits.detach(), batch.Labels!), index);
        return new RuleOutput(Broadcast: broadcast, Loss: loss.item<float>(), Update: optimizer.UpdateFrom(loss));
    }

    public void Save(BinaryWriter writer)
    {
        _block.save(writer);
        _optimizer.Save(writer);
        FixedRandomMatrix.Save(_feedbackMatrix, writer);
    }

    public void Load(BinaryReader reader)
    {
        _block.load(reader);
        _optimizer.Load(reader);
        FixedRandomMatrix.Load(_feedbackMatrix, reader);
    }

    public void Dispose()
    {
        foreach (var output in _outputs.Values)
        {
            output.Dispose();
        }
        _outputs.Clear();
        _optimizer.Dispose();
        _block.Dispose();
        _feedbackMatrix?.Dispose();
    }
}
