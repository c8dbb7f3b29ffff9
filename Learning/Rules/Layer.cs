using Countercurrent.Contracts.Signals;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// One layer of a job: its rule (which owns the modules and optimizers) behind checks every rule needs. A signal of
/// the wrong shape is refused, and a NaN or infinity in what the layer produces stops the step, naming layer and step.
/// Both the in-process trainer and the layer grain drive layers through this class.
/// </summary>
public sealed class Layer : IDisposable
{
    public Layer(LayerContext context)
    {
        Context = context;
        Rule = RuleCatalog.Create(context);
    }

    public LayerContext Context { get; }
    public ILearningRule Rule { get; }
    public int Index => Context.Index;

    public RuleOutput Forward(ForwardBatch batch)
    {
        var expected = Context.Layer.InputFeatures;
        var actual = batch.Activation.numel() / Math.Max(1, batch.Activation.shape[0]);
        if (batch.Activation.dim() < 2 || actual != expected)
        {
            throw new LayerStepException(Index, batch.Step,
                $"activation of shape [{string.Join(", ", batch.Activation.shape)}] does not fit the layer's {expected} inputs per sample");
        }
        return Checked(batch.Step, () => Rule.Forward(batch));
    }

    public RuleOutput Feedback(FeedbackBatch feedback) => Checked(feedback.Step, () => Rule.Feedback(feedback));

    private RuleOutput Checked(long step, Func<RuleOutput> handle)
    {
        RuleOutput output;
        try
        {
            output = handle();
        }
        catch (LayerStepException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new LayerStepException(Index, step, e.Message, e);
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

    private void EnsureFinite(long step, string what, Tensor? tensor)
    {
        if (tensor is null)
        {
            return;
        }
        using var finite = isfinite(tensor).all();
        if (!finite.item<bool>())
        {
            throw new LayerStepException(Index, step, $"its {what} holds NaN or infinity: training diverged (try a smaller learning rate)");
        }
    }

    /// <summary>The rule's full state (weights, optimizer, rule state) as bytes: what a checkpoint or an export holds.</summary>
    public byte[] SaveState()
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory))
        {
            Rule.Save(writer);
        }
        return memory.ToArray();
    }

    /// <summary>Puts back a state <see cref="SaveState"/> returned (between steps: no step may be pending).</summary>
    public void LoadState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        Rule.Load(reader);
    }

    public void Dispose() => Rule.Dispose();
}
