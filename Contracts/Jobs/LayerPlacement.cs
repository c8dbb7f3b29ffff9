namespace Countercurrent.Contracts.Jobs;

/// <summary>Pins one layer to a silo (by its name) and a device (<c>cpu</c>, <c>cuda:0</c>, ...). Empty fields: no preference.</summary>
[GenerateSerializer, Immutable, Alias("cc.LayerPlacement")]
public sealed record LayerPlacement(
    [property: Id(0)] int Layer,
    [property: Id(1)] string Silo = "",
    [property: Id(2)] string Device = "");
