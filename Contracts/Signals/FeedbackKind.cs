namespace Countercurrent.Contracts.Signals;

/// <summary>What a feedback signal carries, which depends on the rule of the layer that sent it.</summary>
public enum FeedbackKind
{
    /// <summary>dLoss/d(output of the receiving layer), from backprop.</summary>
    Gradient = 0,

    /// <summary>The error from above sent through a fixed random matrix (feedback alignment).</summary>
    ProjectedError = 1,

    /// <summary>The output error e of the top layer, broadcast to every layer (direct feedback alignment).</summary>
    OutputError = 2,

    /// <summary>The activation of the feedback network for the receiving layer (counter-current learning).</summary>
    FeedbackActivation = 3,

    /// <summary>The class targets that start the feedback stream at the top (counter-current learning).</summary>
    Targets = 4,
}
