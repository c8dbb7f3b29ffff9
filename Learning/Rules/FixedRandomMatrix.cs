using Countercurrent.Learning.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// The fixed random feedback matrices of feedback alignment and direct feedback alignment: drawn once from a layer's
/// own seeded stream (so every process draws the same matrix for the same job, layer and stream), never trained, and
/// saved with the layer so that a checkpoint restores exactly the matrix it was trained with.
/// </summary>
public static class FixedRandomMatrix
{
    /// <summary>A new U(-bound, bound) tensor of <paramref name="shape"/> on <paramref name="device"/>, outside any dispose scope: the caller owns it.</summary>
    public static Tensor Draw(long[] shape, double bound, ulong seed, Device device)
    {
        using var generator = new Generator(seed);
        var matrix = empty(shape, ScalarType.Float32, device: device).DetachFromDisposeScope();
        using var _ = no_grad();
        ParameterInit.UniformInPlace(matrix, bound, generator);
        return matrix;
    }

    /// <summary>Writes whether there is a matrix, then the matrix.</summary>
    public static void Save(Tensor? matrix, BinaryWriter writer)
    {
        writer.Write(matrix is not null);
        matrix?.Save(writer);
    }

    /// <summary>Reads what <see cref="Save"/> wrote into <paramref name="matrix"/>, refusing a checkpoint whose matrix does not fit.</summary>
    public static void Load(Tensor? matrix, BinaryReader reader)
    {
        var saved = reader.ReadBoolean();
        if (saved != matrix is not null)
        {
            throw new InvalidDataException(saved ? "the checkpoint holds a feedback matrix this layer does not have" : "the checkpoint lacks this layer's feedback matrix");
        }
        if (matrix is null)
        {
            return;
        }
        using var loaded = Tensor.Load(reader);
        if (!loaded.shape.SequenceEqual(matrix.shape))
        {
            throw new InvalidDataException($"the checkpoint's feedback matrix is [{string.Join(", ", loaded.shape)}], this layer's is [{string.Join(", ", matrix.shape)}]");
        }
        using var _ = no_grad();
        matrix.copy_(loaded);
    }
}
