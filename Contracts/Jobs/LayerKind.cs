namespace Countercurrent.Contracts.Jobs;

/// <summary>The kind of module a layer is built from.</summary>
public enum LayerKind
{
    /// <summary>Linear map followed by an activation; flattens its input.</summary>
    Linear = 0,

    /// <summary>conv2d followed by an activation and optional max pooling.</summary>
    Conv = 1,
}
