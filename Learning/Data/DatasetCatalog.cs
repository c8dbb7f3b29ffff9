using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Data;

/// <summary>Finds and loads the datasets a job names: fashion-mnist and mnist from IDX files, or synthetic.</summary>
public static class DatasetCatalog
{
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";
    public const string MnistDirectory = "/usr/share/datasets/mnist";

    public static readonly string[] Names = ["fashion-mnist", "mnist", "synthetic"];

    /// <summary>The folder the IDX files are read from: the spec's, or the dataset's default.</summary>
    public static string DirectoryFor(JobSpec spec) =>
        spec.DataDirectory is { Length: > 0 } dir ? dir
        : spec.Dataset == "mnist" ? MnistDirectory
        : FashionMnistDirectory;

    /// <summary>Sample shape and class count, known without reading any file.</summary>
    public static (long[] SampleShape, int Classes) Describe(string dataset) => ([1, 28, 28], 10);

    /// <summary>The job's dataset; with <see cref="JobSpec.Validation"/> above 0, its training set split (<see cref="ValidationSplit"/>).</summary>
    public static DatasetPair Load(JobSpec spec)
    {
        // A folder the user named is not the package's: installing the package would not help.
        if (spec.Dataset is "fashion-mnist" or "mnist" && spec.DataDirectory is { Length: > 0 } given && !Directory.Exists(given))
        {
            throw new DataFormatException($"{given}: dataset folder not found (--data-dir)");
        }
        var pair = spec.Dataset switch
        {
            "synthetic" => SyntheticDataset.Create(spec.SyntheticSamples, spec.Seed),
            "fashion-mnist" or "mnist" => LoadIdx(spec.Dataset, DirectoryFor(spec)),
            _ => throw new DataFormatException($"dataset '{spec.Dataset}' is unknown; expected one of {string.Join(", ", Names)}"),
        };
        return spec.Validation > 0 ? ValidationSplit.Apply(pair, spec.Validation, spec.Seed) : pair;
    }

    /// <summary>
    /// Loads train-*/t10k-* IDX files (gzipped or raw) and scales pixels to [0, 1] then standardises them with the
    /// training set's mean and standard deviation.
    /// </summary>
    public static DatasetPair LoadIdx(string name, string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DataFormatException(
                $"{directory}: dataset folder not found (for {name}: apt-get install dataset-{name}, or give --data-dir)");
        }
        var (trainPixels, trainLabels, shape) = ReadPair(directory, "train");
        var (testPixels, testLabels, testShape) = ReadPair(directory, "t10k");
        if (!shape.SequenceEqual(testShape))
        {
            throw new DataFormatException($"{directory}: training images are [{string.Join("x", shape)}] but test images are [{string.Join("x", testShape)}]");
        }
        double sum = 0, sumSquares = 0;
        foreach (var p in trainPixels)
        {
            var v = p / 255.0;
            sum += v;
            sumSquares += v * v;
        }
        var mean = sum / trainPixels.Length;
        var std = Math.Sqrt(Math.Max(sumSquares / trainPixels.Length - mean * mean, 1e-12));
        var classes = (int)Math.Max(trainLabels.Max(), testLabels.Max()) + 1;
        return new DatasetPair(
            new Dataset($"{name}-train", Normalise(trainPixels, mean, std), trainLabels, shape, classes),
            new Dataset($"{name}-test", Normalise(testPixels, mean, std), testLabels, shape, classes));
    }

    private static (byte[] Pixels, long[] Labels, long[] SampleShape) ReadPair(string directory, string prefix)
    {
        var imagesPath = Find(directory, $"{prefix}-images-idx3-ubyte");
        var labelsPath = Find(directory, $"{prefix}-labels-idx1-ubyte");
        var (imageDims, pixels) = IdxFile.Read(imagesPath);
        var (labelDims, labelBytes) = IdxFile.Read(labelsPath);
        if (imageDims.Length != 3)
        {
            throw new DataFormatException($"{imagesPath}: expected 3 dimensions (count, rows, columns), found {imageDims.Length}");
        }
        if (labelDims.Length != 1)
        {
            throw new DataFormatException($"{labelsPath}: expected 1 dimension (count), found {labelDims.Length}");
        }
        if (imageDims[0] != labelDims[0])
        {
            throw new DataFormatException($"{imagesPath}: {imageDims[0]} images but {labelsPath} has {labelDims[0]} labels");
        }
        var labels = PinnedArrays.Uninitialized<long>(labelBytes.Length);
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
        }
        return (pixels, labels, [1, imageDims[1], imageDims[2]]);
    }

    private static string Find(string directory, string stem)
    {
        foreach (var candidate in new[] { stem + ".gz", stem })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new DataFormatException($"{Path.Combine(directory, stem)}.gz: file not found (nor {stem} uncompressed)");
    }

    private static float[] Normalise(byte[] pixels, double mean, double std)
    {
        var result = PinnedArrays.Uninitialized<float>(pixels.Length);
        for (var i = 0; i < pixels.Length; i++)
        {
            result[i] = (float)((pixels[i] / 255.0 - mean) / std);
        }
        return result;
    }
}
