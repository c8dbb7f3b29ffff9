using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Optimization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// Feedback alignment (Lillicrap et al. 2016): backprop with the transposed weights on the way down replaced by a fixed
/// random matrix, so a layer never needs the weights of the layer above, only the error it sends.
/// <para>
/// The layer owns B, the same shape as its weight W ([out, in]), drawn once from U(-1/sqrt(in), 1/sqrt(in)) from its own
/// seeded stream, independent of W. On the error g from above (a gradient from a backprop layer or a projected error
/// from a feedback-alignment layer) it computes delta = g * f'(z), updates W with delta^T h like backprop, and sends
/// delta B down where backprop would send delta W. The top layer computes the cross-entropy and starts the chain with
/// delta = dLoss/d(logits). Linear layers only (see <see cref="RuleCatalog.ValidateChain"/>).
/// </para>
/// <para>
/// Several steps in flight need no weight stashing: the downward signal uses the fixed B, and the weight gradient comes
/// from the graph of the step's own forward pass, which for a linear layer whose input needs no gradient holds the input
/// and z but not W, so other steps' updates in between leave it intact.
/// </para>
/// </summary>
public sealed class FeedbackAlignmentRule : ILearningRule
{
    public const string RuleName = "fa";

    private readonly LayerContext _context;
    private readonly Block _block;
    private readonly LayerOptimizer _optimizer;
    private readonly Dictionary<long, Stash> _stashes = [];
    private readonly Tensor _feedbackMatrix;

    public FeedbackAlignmentRule(LayerContext context)
    {
        _context = context;
        _block = new Block(context.Layer, context.Device, context.Seed(0));
        _optimizer = new LayerOptimizer(_block.parameters(), context.Job);
        var layer = context.Layer;
        _feedbackMatrix = FixedRandomMatrix.Draw([layer.OutputFeatures, layer.InputFeatures], 1.0 / Math.Sqrt(layer.InputFeatures), context.Seed(1), context.Device);
    }

    public string Name => RuleName;
    public IReadOnlyList<Parameter> ForwardParameters => _optimizer.Parameters;
    public int PendingSteps => _stashes.Count;

    /// <summary>The fixed random matrix B, [out, in], used in place of W on the way down.</summary>
    public Tensor FeedbackMatrix => _feedbackMatrix;

    /// <summary>
    /// Replaces B with a copy of <paramref name="matrix"/>: for tests and experiments (B := W turns the rule into
    /// backprop). Call it before training.
    /// </summary>
    public void UseFeedbackMatrix(Tensor matrix)
    {
        if (!matrix.shape.SequenceEqual(_feedbackMatrix.shape))
        {
            throw new ArgumentException($"the feedback matrix must be [{string.Join(", ", _feedbackMatrix.shape)}], not [{string.Join(", ", matrix.shape)}]");
        }
        using var _ = no_grad();
        _feedbackMatrix.copy_(matrix);
    }

    public RuleOutput Forward(ForwardBatch batch)
    {
        if (batch.Phase == Phase.Eval)
        {
            return Inference.Forward(_block, batch, _context.IsTop);
        }
        var z = _block.PreActivation(batch.Activation.detach());
        if (_context.IsTop)
        {
            return TrainTop(batch, z);
        }
        var a = _block.Finish(z);
        _stashes[batch.Step] = new Stash(z.DetachFromDisposeScope(), batch.Activation.shape);
        return new RuleOutput(Up: batch with { Activation = a.detach() });
    }

    public RuleOutput Feedback(FeedbackBatch feedback)
    {
        if (feedback.Kind is not (FeedbackKind.Gradient or FeedbackKind.ProjectedError))
        {
            throw new InvalidOperationException($"fa expects an error from above (a gradient or a projected error), not {feedback.Kind}");
        }
        if (!_stashes.Remove(feedback.Step, out var stash))
        {
            throw new InvalidOperationException($"error for step {feedback.Step} arrived but no forward pass of that step is stashed");
        }
        try
        {
            using var slope = _block.Activation.Derivative(stash.PreActivation.detach());
            var delta = feedback.Signal.reshape(stash.PreActivation.shape) * slope;
            return new RuleOutput(
                Down: _context.IsBottom ? null : ErrorDown(feedback.Step, delta, stash.InputShape),
                Update: _optimizer.UpdateFrom(stash.PreActivation, delta, stash));
        }
        catch
        {
            stash.Dispose();
            throw;
        }
    }

    private RuleOutput TrainTop(ForwardBatch batch, Tensor logits)
    {
        var loss = Classification.Loss(logits, batch.Labels!);
        var delta = Classification.OutputError(logits, batch.Labels!);
        return new RuleOutput(
            Down: _context.IsBottom ? null : ErrorDown(batch.Step, delta, batch.Activation.shape),
            Loss: loss.item<float>(),
            Update: _optimizer.UpdateFrom(logits, delta));
    }

    private FeedbackBatch ErrorDown(long step, Tensor delta, long[] inputShape) =>
        new(step, FeedbackKind.ProjectedError, delta.matmul(_feedbackMatrix).reshape(inputShape), _context.Index);

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
        foreach (var stash in _stashes.Values)
        {
            stash.Dispose();
        }
        _stashes.Clear();
        _optimizer.Dispose();
        _block.Dispose();
        _feedbackMatrix.Dispose();
    }

    /// <summary>A step's pre-activation z with its graph to W, and the shape of the input the layer below sent.</summary>
    private sealed record Stash(Tensor PreActivation, long[] InputShape) : IDisposable
    {
        public void Dispose() => PreActivation.Dispose();
    }
}
