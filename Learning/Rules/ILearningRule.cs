using TorchSharp.Modules;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// A layer's local learning rule together with the modules and optimizers it owns. It sees only the signals that reach
/// its layer and answers with the signals to pass on. Calls are synchronous and must be made inside the caller's
/// dispose scope; tensors a rule keeps between calls (per-step stashes) are its own to dispose.
/// </summary>
public interface ILearningRule : IDisposable
{
    string Name { get; }

    /// <summary>Handles the activation from below (training or evaluation).</summary>
    RuleOutput Forward(ForwardBatch batch);

    /// <summary>Handles a feedback signal from above.</summary>
    RuleOutput Feedback(FeedbackBatch feedback);

    /// <summary>The trainable parameters of the layer's forward module (what inference uses), in a stable order.</summary>
    IReadOnlyList<Parameter> ForwardParameters { get; }

    /// <summary>Steps received but not finished (stashes waiting for feedback).</summary>
    int PendingSteps { get; }

    /// <summary>Writes the full state: weights, optimizer state and rule state.</summary>
    void Save(BinaryWriter writer);

    void Load(BinaryReader reader);
}
