namespace Countercurrent.Contracts.Signals;

/// <summary>Whether a forward signal trains the layers or only evaluates them.</summary>
public enum Phase
{
    Train = 0,
    Eval = 1,
}
