using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Optimization;
using Countercurrent.Learning.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// Counter-current learning (Kao &amp; Hariharan, NeurIPS 2024), as in the reference code: a forward network carries the
/// input up, a feedback network carries the class targets down, and each layer learns from the two streams that meet in
/// it, with nothing crossing a layer.
/// <para>
/// Layer i owns forward weights W_i (in -> out) and feedback weights V_i (out -> in), each with the job's activation and
/// bias setting; the top's forward output is the logits (no activation) and the bottom's feedback output has no
/// activation (it is compared with the input). The job starts the feedback stream with a Targets signal at the top,
/// which feeds the C x C identity, one one-hot per class, through V_top, as the reference does: so c_i, the feedback
/// activation layer i receives from above, is [C, d_i], one vector per class, and the labels enter only through the loss
/// (they travel with the forward signal). Every layer detaches what it receives in both streams.
/// </para>
/// <para>
/// Linear layers follow the reference MLP: V_i is a linear map and the pair loss is <see cref="CounterCurrentLoss.Pair"/>.
/// Conv layers follow the reference CNN: V_i upsamples to the input's size and convolves back to the input channels
/// (<see cref="UpsamplingFeedbackBlock"/>), and every pair of a model with a conv layer uses
/// <see cref="CounterCurrentLoss.NormalisedPair"/>. Not taken from the reference CNN: its 32x32 inputs, data augmentation
/// and loss warm-up.
/// </para>
/// <para>
/// Which loss term trains what. The reference sums CE(logits) and, for each pair (a_l, c_l) with a_{-1} = x, the pair
/// loss <see cref="CounterCurrentLoss"/>; with inputs detached, pair l trains only W_l (through a_l) and V_{l+1} (through
/// c_l). Each layer owns one side of two pairs, so here each pair is computed on both sides of the boundary where it
/// meets, the other side's tensor being a received, detached copy:
/// hidden layer i: P(a_i, c_i) trains W_i (c_i received) + P(a_{i-1}, c_{i-1}) trains V_i (a_{i-1} received);
/// top: CE(logits) trains W_top + P(a_{top-1}, c_{top-1}) trains V_top; bottom: the same as hidden with a_{-1} = x.
/// The gradients are exactly the reference's; a layer reports the sum of its two terms, so pair l appears in the losses
/// of layers l and l+1.
/// </para>
/// <para>
/// Timing. A layer updates a step once it has both its forward input a_{i-1} and its feedback input c_i, whichever
/// arrives second triggering the update. It sends a_i up when the forward input arrives and c_{i-1} down when the
/// feedback input arrives, both computed before the step's update, and the update uses the graphs of exactly those
/// tensors, so the result does not depend on the order of arrival. The update is the output's
/// <see cref="RuleOutput.Update"/>: the signal that triggered it goes on first. Per-step stashes live until the update.
/// </para>
/// <para>
/// Two optimizers per layer (forward and feedback weights), both from the job's settings. The reference clips the
/// gradient norm of all forward weights together and of all feedback weights together; here each layer clips its
/// forward and its feedback gradients separately, since no layer sees another's gradients.
/// </para>
/// </summary>
public sealed class CounterCurrentRule : ILearningRule
{
    public const string RuleName = "ccl";

    private readonly LayerContext _context;
    private readonly Block _forward;
    private readonly nn.Module<Tensor, Tensor> _feedback;
    private readonly Func<Tensor, Tensor, Tensor, Tensor> _pairLoss;
    private readonly LayerOptimizer _forwardOptimizer;
    private readonly LayerOptimizer _feedbackOptimizer;
    private readonly long _classes;
    private readonly Dictionary<long, StepStash> _steps = [];

    public CounterCurrentRule(LayerContext context)
    {
        _context = context;
        _classes = context.Chain[^1].OutputFeatures;
        _forward = new Block(context.Layer, context.Device, context.Seed(0));
        _feedback = FeedbackModule(context);
        _pairLoss = context.Chain.Any(layer => layer.Kind == LayerKind.Conv) ? CounterCurrentLoss.NormalisedPair : CounterCurrentLoss.Pair;
        _forwardOptimizer = new LayerOptimizer(_forward.parameters(), context.Job);
        _feedbackOptimizer = new LayerOptimizer(_feedback.parameters(), context.Job);
    }

    public string Name => RuleName;
    public IReadOnlyList<Parameter> ForwardParameters => _forwardOptimizer.Parameters;

    /// <summary>The parameters of the feedback weights V_i, in a stable order.</summary>
    public IReadOnlyList<Parameter> FeedbackParameters => _feedbackOptimizer.Parameters;

    public int PendingSteps => _steps.Count;

    /// <summary>
    /// The feedback module, from the layer's output back to its input: a linear map for a linear layer, upsampling and
    /// a stride-1 convolution for a conv layer; the job's activation, none at the bottom.
    /// </summary>
    private static nn.Module<Tensor, Tensor> FeedbackModule(LayerContext context)
    {
        var activation = context.IsBottom ? "none" : context.Job.Activation;
        var layer = context.Layer;
        return layer.Kind == LayerKind.Conv
            ? new UpsamplingFeedbackBlock(layer, activation, context.Device, context.Seed(1))
            : new Block(layer with { InputShape = layer.OutputShape, OutputShape = [layer.InputFeatures], Activation = activation, Pool = 1 }, context.Device, context.Seed(1));
    }

    public RuleOutput Forward(ForwardBatch batch)
    {
        if (batch.Phase == Phase.Eval)
        {
            return Inference.Forward(_forward, batch, _context.IsTop);
        }
        var stash = StashOf(batch.Step);
        if (stash.Input is not null)
        {
            throw new InvalidOperationException($"the forward signal of step {batch.Step} arrived twice");
        }
        var input = batch.Activation.detach();
        var output = _forward.forward(input);
        var up = _context.IsTop ? null : batch with { Activation = output.detach() };
        stash.Input = input.DetachFromDisposeScope();
        stash.Output = output.DetachFromDisposeScope();
        stash.Labels = batch.Labels!.detach().DetachFromDisposeScope();
        var (loss, update) = UpdateIfComplete(batch.Step, stash);
        return new RuleOutput(Up: up, Loss: loss, Update: update);
    }

    public RuleOutput Feedback(FeedbackBatch feedback)
    {
        var expected = _context.IsTop ? FeedbackKind.Targets : FeedbackKind.FeedbackActivation;
        if (feedback.Kind != expected)
        {
            throw new InvalidOperationException($"ccl layer {_context.Index} expects {expected} from above, not {feedback.Kind}");
        }
        var classVectors = _context.IsTop
            ? eye(_classes, dtype: ScalarType.Float32, device: _context.Device)
            : feedback.Signal.detach();
        if (classVectors.dim() < 2 || classVectors.shape[0] != _classes || classVectors.numel() != _classes * _context.Layer.OutputFeatures)
        {
            throw new InvalidOperationException(
                $"feedback activation of shape [{string.Join(", ", classVectors.shape)}] does not fit: expected {_classes} vectors (one per class) of {_context.Layer.OutputFeatures} values");
        }
        var stash = StashOf(feedback.Step);
        if (stash.FeedbackInput is not null)
        {
            throw new InvalidOperationException($"the feedback signal of step {feedback.Step} arrived twice");
        }
        var below = _feedback.forward(classVectors);
        var down = _context.IsBottom ? null : new FeedbackBatch(feedback.Step, FeedbackKind.FeedbackActivation, below.detach(), _context.Index);
        stash.FeedbackInput = classVectors.DetachFromDisposeScope();
        stash.FeedbackOutput = below.DetachFromDisposeScope();
        var (loss, update) = UpdateIfComplete(feedback.Step, stash);
        return new RuleOutput(Down: down, Loss: loss, Update: update);
    }

    private StepStash StashOf(long step)
    {
        if (!_steps.TryGetValue(step, out var stash))
        {
            stash = new StepStash();
            _steps[step] = stash;
        }
        return stash;
    }

    /// <summary>
    /// Once both streams of a step have arrived: the layer's two loss terms now, and as the update, one backward pass
    /// and both optimizer steps.
    /// </summary>
    private (float? Loss, Action? Update) UpdateIfComplete(long step, StepStash stash)
    {
        if (stash.Input is null || stash.FeedbackInput is null)
        {
            return (null, null);
        }
        _steps.Remove(step);
        try
        {
            var upper = _context.IsTop
                ? Classification.Loss(stash.Output!, stash.Labels!)
                : _pairLoss(stash.Output!, stash.FeedbackInput, stash.Labels!);
            var lower = _pairLoss(stash.Input, stash.FeedbackOutput!, stash.Labels!);
            var loss = upper.Plus(lower).DetachFromDisposeScope();
            return (loss.item<float>(), () =>
            {
                using (stash)
                using (loss)
                {
                    _forwardOptimizer.ZeroGrad();
                    _feedbackOptimizer.ZeroGrad();
                    loss.backward();
                    _forwardOptimizer.Step();
                    _feedbackOptimizer.Step();
                }
            });
        }
        catch
        {
            stash.Dispose();
            throw;
        }
    }

    public void Save(BinaryWriter writer)
    {
        _forward.save(writer);
        _feedback.save(writer);
        _forwardOptimizer.Save(writer);
        _feedbackOptimizer.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        _forward.load(reader);
        _feedback.load(reader);
        _forwardOptimizer.Load(reader);
        _feedbackOptimizer.Load(reader);
    }

    public void Dispose()
    {
        foreach (var stash in _steps.Values)
        {
            stash.Dispose();
        }
        _steps.Clear();
        _forwardOptimizer.Dispose();
        _feedbackOptimizer.Dispose();
        _forward.Dispose();
        _feedback.Dispose();
    }

    /// <summary>
    /// What a step has brought so far: from below, the input a_{i-1} (detached), the output a_i (with its graph to W_i)
    /// and the labels; from above, the class vectors c_i (detached) and c_{i-1} (with its graph to V_i).
    /// </summary>
    private sealed class StepStash : IDisposable
    {
        public Tensor? Input { get; set; }
        public Tensor? Output { get; set; }
        public Tensor? Labels { get; set; }
        public Tensor? FeedbackInput { get; set; }
        public Tensor? FeedbackOutput { get; set; }

        public void Dispose()
        {
            Input?.Dispose();
            Output?.Dispose();
            Labels?.Dispose();
            FeedbackInput?.Dispose();
            FeedbackOutput?.Dispose();
        }
    }
}
