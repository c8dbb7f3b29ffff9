using Countercurrent.Learning.Tensors;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Layers;

/// <summary>A layer's nonlinearity f, with its derivative f'(z) for rules that need it explicitly (direct feedback alignment).</summary>
public sealed class Activation
{
    public static readonly string[] Names = ["relu", "elu", "tanh", "none"];

    private Activation(string name) => Name = name;

    public string Name { get; }

    public static Activation Parse(string name) =>
        Names.Contains(name) ? new Activation(name) : throw new ArgumentException($"activation '{name}' is unknown; expected one of {string.Join(", ", Names)}");

    public Tensor Apply(Tensor z) => Name switch
    {
        "relu" => nn.functional.relu(z),
        "elu" => z.elu(TorchScalars.One, TorchScalars.One, TorchScalars.One),
        "tanh" => z.tanh(),
        _ => z.alias(),
    };

    /// <summary>f'(z), element-wise.</summary>
    public Tensor Derivative(Tensor z) => Name switch
    {
        "relu" => z.gt(TorchScalars.Zero).to_type(z.dtype),
        "elu" => where(z.gt(TorchScalars.Zero), ones_like(z), z.exp()),
        "tanh" => z.tanh().Squared().Subtracted(TorchScalars.One),
        _ => ones_like(z),
    };
}
