using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Optimization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// Backpropagation, one layer at a time: the layer receives dLoss/d(output) from above, updates its weights by the
/// chain rule and sends dLoss/d(input) down; the top layer computes the cross-entropy loss.
/// <para>
/// With one step in flight the layer keeps the autograd graph of its forward pass until the gradient arrives, which
/// is exactly in-process backprop. With several steps in flight other steps' updates land between a step's forward and
/// its feedback, so the layer stashes a copy of the weights the forward used and recomputes the forward with them when
/// the gradient arrives (PipeDream-style weight stashing): each step's gradient is consistent with the weights that
/// produced its activations, and is applied to the current weights.
/// </para>
/// <para>
/// The gradient for the layer below goes first: the input's gradient is computed alone and sent, and the weights'
/// gradients and the optimizer step follow as the output's <see cref="RuleOutput.Update"/>, from the same graph, while
/// the layer below works. The two halves together are one backward pass (the activation's derivative is taken twice).
/// </para>
/// <para>
/// Below a feedback-alignment layer the error from above is a projected error rather than a true gradient; this layer
/// treats it as dLoss/d(output) all the same. At the top over direct-feedback-alignment layers it broadcasts the output
/// error to every layer below instead of sending a gradient down, since those layers learn from that error alone.
/// Above a layer whose rule takes no feedback (local-aux under a block of backprop layers) it computes no input
/// gradient and sends nothing down.
/// </para>
/// </summary>
public sealed class BackpropRule : ILearningRule
{
    public const string RuleName = "backprop";

    private readonly LayerContext _context;
    private readonly Block _block;
    private readonly LayerOptimizer _optimizer;
    private readonly bool _stashWeights;
    private readonly bool _sendsDown;
    private readonly Dictionary<long, Stash> _stashes = [];
    private Block? _shadow;

    public BackpropRule(LayerContext context)
    {
        _context = context;
        _block = new Block(context.Layer, context.Device, context.Seed(0));
        _optimizer = new LayerOptimizer(_block.parameters(), context.Job);
        _stashWeights = context.Job.StepsInFlight > 1;
        _sendsDown = !context.IsBottom && RuleCatalog.TakesFeedback(context.RuleBelow!);
    }

    public string Name => RuleName;
    public IReadOnlyList<Parameter> ForwardParameters => _optimizer.Parameters;
    public int PendingSteps => _stashes.Count;

    public RuleOutput Forward(ForwardBatch batch)
    {
        if (batch.Phase == Phase.Eval)
        {
            return Inference.Forward(_block, batch, _context.IsTop);
        }
        if (_context.IsTop)
        {
            return TrainTop(batch);
        }
        if (_stashWeights)
        {
            Tensor output;
            using (no_grad())
            {
                output = _block.forward(batch.Activation);
            }
            _stashes[batch.Step] = new Stash(
                batch.Activation.detach().DetachFromDisposeScope(),
                null,
                _optimizer.Parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray());
            return new RuleOutput(Up: batch with { Activation = output });
        }
        var input = InputForGradient(batch.Activation);
        var z = _block.forward(input);
        _stashes[batch.Step] = new Stash(input.DetachFromDisposeScope(), z.DetachFromDisposeScope(), null);
        return new RuleOutput(Up: batch with { Activation = z.detach() });
    }

    public RuleOutput Feedback(FeedbackBatch feedback)
    {
        if (feedback.Kind is not (FeedbackKind.Gradient or FeedbackKind.ProjectedError))
        {
            throw new InvalidOperationException($"backprop expects a gradient (or a projected error) from above, not {feedback.Kind}");
        }
        if (!_stashes.Remove(feedback.Step, out var stash))
        {
            throw new InvalidOperationException($"gradient for step {feedback.Step} arrived but no forward pass of that step is stashed");
        }
        try
        {
            Tensor input;
            if (stash.Weights is null)
            {
                input = stash.Input;
            }
            else
            {
                input = InputForGradient(stash.Input);
                stash = stash with { Output = Shadow(stash.Weights).forward(input).DetachFromDisposeScope() };
            }
            var gradient = feedback.Signal.detach();
            FeedbackBatch? down = null;
            if (_sendsDown)
            {
                // The input's gradient alone (libtorch skips the weights' products), keeping the graph for the update.
                stash.Output!.backward([gradient], retain_graph: true, inputs: [input]);
                down = GradientDown(feedback.Step, input.grad!);
            }
            return new RuleOutput(Down: down, Update: stash.Weights is null
                ? _optimizer.UpdateFrom(stash.Output!, gradient, stash)
                : UpdateFromStashedWeights(stash, gradient));
        }
        catch
        {
            stash.Dispose();
            throw;
        }
    }

    /// <summary>The update of a step computed with stashed weights: their gradients, applied to the current weights.</summary>
    private Action UpdateFromStashedWeights(Stash stash, Tensor gradient)
    {
        gradient.DetachFromDisposeScope();
        return () =>
        {
            using (stash)
            using (gradient)
            {
                _optimizer.ZeroGrad();
                var copies = _shadow!.parameters().ToArray();
                stash.Output!.backward([gradient], inputs: copies);
                foreach (var (real, copy) in _optimizer.Parameters.Zip(copies))
                {
                    real.grad = copy.grad;
                }
                _optimizer.Step();
            }
        };
    }

    private RuleOutput TrainTop(ForwardBatch batch)
    {
        if (_context.RuleBelow == DirectFeedbackAlignmentRule.RuleName)
        {
            return DirectFeedbackAlignmentRule.TrainTop(batch, _block, _optimizer, _context.Index);
        }
        var input = InputForGradient(batch.Activation);
        var logits = _block.forward(input);
        var loss = Classification.Loss(logits, batch.Labels!);
        if (_sendsDown)
        {
            loss.backward(retain_graph: true, inputs: [input]);
        }
        return new RuleOutput(
            Down: _sendsDown ? GradientDown(batch.Step, input.grad!) : null,
            Loss: loss.item<float>(),
            Update: _optimizer.UpdateFrom(loss));
    }

    private Tensor InputForGradient(Tensor activation) =>
        activation.detach().requires_grad_(_sendsDown);

    private FeedbackBatch GradientDown(long step, Tensor gradient) =>
        new(step, FeedbackKind.Gradient, gradient.detach(), _context.Index);

    /// <summary>A second copy of the block holding the weights a stashed step was computed with.</summary>
    private Block Shadow(Tensor[] weights)
    {
        _shadow ??= new Block(_context.Layer, _context.Device, _context.Seed(0));
        using (no_grad())
        {
            foreach (var (parameter, weight) in _shadow.parameters().Zip(weights))
            {
                parameter.copy_(weight);
                parameter.grad = null;
            }
        }
        return _shadow;
    }

    public void Save(BinaryWriter writer)
    {
        _block.save(writer);
        _optimizer.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        _block.load(reader);
        _optimizer.Load(reader);
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
        _shadow?.Dispose();
    }

    private sealed record Stash(Tensor Input, Tensor? Output, Tensor[]? Weights) : IDisposable
    {
        public void Dispose()
        {
            Input.Dispose();
            Output?.Dispose();
            foreach (var w in Weights ?? [])
            {
                w.Dispose();
            }
        }
    }
}
