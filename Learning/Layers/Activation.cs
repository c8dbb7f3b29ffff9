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
        "elu" => nn.functional.elu(z, 1.0),
        "tanh" => z.tanh(),
        _ => z.alias(),
    };

    /// <summary>f'(z), element-wise.</summary>
    public Tensor Derivative(Tensor z) => Name switch
    {
        "relu" => z.gt(0).to_type(z.dtype),
        "elu" => where(z.gt(0), ones_like(z), z.exp()),
        "tanh" => 1 - z.tanh().square(),
        _ => ones_like(z),
    };
}
