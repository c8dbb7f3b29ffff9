using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Tensors;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// One layer of a job: its rule (which owns the modules and optimizers) behind checks every rule needs. A signal of
/// the wrong shape is refused, and a NaN or infinity in what the layer produces stops the step, naming layer and step.
/// Both the in-process trainer and the layer grain drive layers through this class.
/// <para>
/// A rule may leave its weight update for after its signals (<see cref="RuleOutput.Update"/>). The layer keeps it
/// as pending, hands back the output without it, and applies it when <see cref="ApplyPendingUpdate"/> is called (the
/// caller does, once the signals are on their way) or at the latest before the layer's next call, save or load.
/// </para>
/// </summary>
public sealed class Layer : IDisposable
{
    private Action? _pendingUpdate;
    private long _pendingStep;
    private int _stateBytes;

    public Layer(LayerContext context)
    {
        Context = context;
        Rule = RuleCatalog.Create(context);
    }

    public LayerContext Context { get; }
    public ILearningRule Rule { get; }
    public int Index => Context.Index;

    /// <summary>True while the last call's weight update has not been applied yet.</summary>
    public bool HasPendingUpdate => _pendingUpdate is not null;

    public RuleOutput Forward(ForwardBatch batch)
    {
        ApplyPendingUpdate();
        var expected = Context.Layer.InputFeatures;
        var actual = batch.Activation.numel() / Math.Max(1, batch.Activation.shape[0]);
        if (batch.Activation.dim() < 2 || actual != expected)
        {
            throw new LayerStepException(Index, batch.Step,
                $"activation of shape [{string.Join(", ", batch.Activation.shape)}] does not fit the layer's {expected} inputs per sample");
        }
        return Checked(batch.Step, () => Rule.Forward(batch));
    }

    public RuleOutput Feedback(FeedbackBatch feedback)
    {
        ApplyPendingUpdate();
        return Checked(feedback.Step, () => Rule.Feedback(feedback));
    }

    /// <summary>Applies the weight update the last call left pending, if any, disposing its temporaries as it goes.</summary>
    public void ApplyPendingUpdate()
    {
        if (_pendingUpdate is not { } update)
        {
            return;
        }
        _pendingUpdate = null;
        using var scope = NewDisposeScope();
        Run(_pendingStep, update);
    }

    private RuleOutput Checked(long step, Func<RuleOutput> handle)
    {
        RuleOutput output = null!;
        Run(step, () => output = handle());
        if (output.Update is { } update)
        {
            _pendingUpdate = update;
            _pendingStep = step;
            output = output with { Update = null };
        }
        if (output.Loss is { } loss && !float.IsFinite(loss))
        {
            throw new LayerStepException(Index, step, $"the local loss is {loss}: training diverged (try a smaller learning rate)");
        }
        EnsureFinite(step, "forward signal", output.Up?.Activation);
        EnsureFinite(step, "feedback signal", output.Down?.Signal);
        EnsureFinite(step, "broadcast signal", output.Broadcast?.Signal);
        return output;
    }

    /// <summary>Runs a rule's work; a failure becomes a failure of this layer at this step.</summary>
    private void Run(long step, Action work)
    {
        try
        {
            work();
        }
        catch (LayerStepException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new LayerStepException(Index, step, e.Message, e);
        }
    }

    private void EnsureFinite(long step, string what, Tensor? tensor)
    {
        if (tensor is null)
        {
            return;
        }
        if (!FiniteCheck.AllFinite(tensor))
        {
            throw new LayerStepException(Index, step, $"its {what} holds NaN or infinity: training diverged (try a smaller learning rate)");
        }
    }

    /// <summary>The rule's full state (weights, optimizer, rule state) as bytes: what a checkpoint or an export holds.</summary>
    public byte[] SaveState()
    {
        ApplyPendingUpdate();
        using var memory = new MemoryStream(_stateBytes);
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            Rule.Save(writer);
        }
        _stateBytes = (int)memory.Length;
        return memory.Capacity == memory.Length ? memory.GetBuffer() : memory.ToArray();
    }

    /// <summary>Puts back a state <see cref="SaveState"/> returned (between steps: no step may be pending).</summary>
    public void LoadState(byte[] state)
    {
        ApplyPendingUpdate();
        using var reader = new BinaryReader(new MemoryStream(state));
        Rule.Load(reader);
    }

    /// <summary>Disposes the rule; a pending update is applied first, as it owns tensors of its step.</summary>
    public void Dispose()
    {
        try
        {
            ApplyPendingUpdate();
        }
        finally
        {
            Rule.Dispose();
        }
    }
}
