using System.Runtime.InteropServices;
using Countercurrent.Contracts.Signals;

namespace Countercurrent.Learning.Data;

/// <summary>
/// Labeled samples in managed memory: images as normalised floats (sample after sample), labels as class indices.
/// Batches are copied straight into the caller's buffers, so making a batch needs no tensor.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, float[] images, long[] labels, long[] sampleShape, int classes)
    {
        SampleSize = (int)sampleShape.Aggregate(1L, (n, d) => n * d);
        if (images.Length != labels.Length * (long)SampleSize)
        {
            throw new DataFormatException($"{name}: {images.Length} image values do not make {labels.Length} samples of {SampleSize}");
        }
        Name = name;
        Images = images;
        Labels = labels;
        SampleShape = sampleShape;
        Classes = classes;
    }

    public string Name { get; }
    public float[] Images { get; }
    public long[] Labels { get; }

    /// <summary>Shape of one sample: [channels, height, width] for images.</summary>
    public long[] SampleShape { get; }

    public int SampleSize { get; }
    public int Classes { get; }
    public int Count => Labels.Length;

    /// <summary>Copies the samples at <paramref name="indices"/> into <paramref name="images"/> and <paramref name="labels"/>.</summary>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> images, Span<long> labels)
    {
        for (var i = 0; i < indices.Length; i++)
        {
            Images.AsSpan(indices[i] * SampleSize, SampleSize).CopyTo(images.Slice(i * SampleSize, SampleSize));
            labels[i] = Labels[indices[i]];
        }
    }

    /// <summary>A batch as byte blobs ready for tensor payloads (arrays from <paramref name="pool"/> when given).</summary>
    public (byte[] Images, byte[] Labels) BatchBytes(ReadOnlySpan<int> indices, PayloadBufferPool? pool = null)
    {
        var imageBytes = indices.Length * SampleSize * sizeof(float);
        var labelBytes = indices.Length * sizeof(long);
        var images = pool?.Rent(imageBytes) ?? GC.AllocateUninitializedArray<byte>(imageBytes);
        var labels = pool?.Rent(labelBytes) ?? GC.AllocateUninitializedArray<byte>(labelBytes);
        CopyBatch(indices, MemoryMarshal.Cast<byte, float>(images.AsSpan()), MemoryMarshal.Cast<byte, long>(labels.AsSpan()));
        return (images, labels);
    }

    /// <summary>A new dataset holding copies of the samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(IReadOnlyList<int> indices, string name)
    {
        var images = PinnedArrays.Uninitialized<float>(indices.Count * SampleSize);
        var labels = PinnedArrays.Uninitialized<long>(indices.Count);
        for (var i = 0; i < indices.Count; i++)
        {
            var index = indices[i];
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"{Name}: sample {index} does not exist (the set has {Count})");
            }
            Images.AsSpan(index * SampleSize, SampleSize).CopyTo(images.AsSpan(i * SampleSize, SampleSize));
            labels[i] = Labels[index];
        }
        return new Dataset(name, images, labels, SampleShape, Classes);
    }

    /// <summary>The batch shape for <paramref name="count"/> samples: [count, ..sample shape].</summary>
    public long[] BatchShape(int count) => [count, .. SampleShape];
}
