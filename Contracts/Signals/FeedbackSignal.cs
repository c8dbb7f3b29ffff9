namespace Countercurrent.Contracts.Signals;

/// <summary>What travels down the chain (or is broadcast from the top) for one step.</summary>
[GenerateSerializer, Immutable, Alias("cc.FeedbackSignal")]
public sealed record FeedbackSignal(
    [property: Id(0)] string JobId,
    [property: Id(1)] long Step,
    [property: Id(2)] FeedbackKind Kind,
    [property: Id(3)] TensorPayload Signal,
    [property: Id(4)] int FromLayer);
