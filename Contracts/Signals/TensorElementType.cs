namespace Countercurrent.Contracts.Signals;

/// <summary>Element type of a <see cref="TensorPayload"/>.</summary>
public enum TensorElementType
{
    Float32 = 0,
    Int64 = 1,
}
