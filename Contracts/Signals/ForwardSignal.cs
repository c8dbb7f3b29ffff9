namespace Countercurrent.Contracts.Signals;

/// <summary>
/// What travels up the chain for one step: the activation of the layer below, and what rules higher up need to
/// see with it (the labels; the raw input for rules that condition every block on it).
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.ForwardSignal")]
public sealed record ForwardSignal(
    [property: Id(0)] string JobId,
    [property: Id(1)] long Step,
    [property: Id(2)] Phase Phase,
    [property: Id(3)] TensorPayload Activation,
    [property: Id(4)] TensorPayload? Labels,
    [property: Id(5)] TensorPayload? Input = null);
