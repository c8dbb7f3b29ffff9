using System.Buffers.Binary;
using System.IO.Compression;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Xunit;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// Reading MNIST-style IDX datasets: a good folder loads with the right shapes, labels and normalisation; every way a
/// file can be wrong is refused with a message naming the file and the problem.
/// </summary>
public sealed class IdxDatasetTests : IDisposable
{
    private const int Rows = 2;
    private const int Columns = 3;
    private const int TrainCount = 6;
    private const int TestCount = 4;

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GoodTinyDatasetLoads(bool gzip)
    {
        WriteGoodDataset(gzip);

        var data = DatasetCatalog.LoadIdx("tiny", _folder.Path);

        Assert.Equal(TrainCount, data.Train.Count);
        Assert.Equal(TestCount, data.Test.Count);
        Assert.Equal([1L, Rows, Columns], data.Train.SampleShape);
        Assert.Equal([1L, Rows, Columns], data.Test.SampleShape);
        Assert.Equal(Rows * Columns, data.Train.SampleSize);
        Assert.Equal(TrainLabels.Select(l => (long)l), data.Train.Labels);
        Assert.Equal(TestLabels.Select(l => (long)l), data.Test.Labels);
        Assert.Equal(TrainLabels.Concat(TestLabels).Max() + 1, data.Train.Classes);

        var (mean, std) = MeanAndStd(data.Train.Images);
        Assert.InRange(mean, -1e-5, 1e-5);
        Assert.InRange(std, 1 - 1e-4, 1 + 1e-4);

        // The test set is standardised with the training set's statistics, not its own.
        var trainMean = TrainPixels.Average(p => p / 255.0);
        var trainStd = Math.Sqrt(TrainPixels.Average(p => Math.Pow(p / 255.0 - trainMean, 2)));
        var expected = (TestPixels[5] / 255.0 - trainMean) / trainStd;
        Assert.Equal(expected, data.Test.Images[5], 4);
    }

    [Fact]
    public void AMissingFolderTheJobNamesIsRefusedWithoutThePackageAdvice()
    {
        var missing = _folder.File("nowhere");

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(new JobSpec { Dataset = "fashion-mnist", DataDirectory = missing }));

        Assert.Equal($"{missing}: dataset folder not found (--data-dir)", error.Message);
    }

    [Fact]
    public void MissingFolderIsRefused()
    {
        var missing = _folder.File("nowhere");

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("fashion-mnist", missing));

        Assert.Contains(missing, error.Message);
        Assert.Contains("dataset folder not found", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MissingFileIsRefused(bool gzip)
    {
        WriteGoodDataset(gzip);
        File.Delete(PathOf("t10k-labels-idx1-ubyte", gzip));

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("tiny", _folder.Path));

        Assert.Contains(_folder.File("t10k-labels-idx1-ubyte"), error.Message);
        Assert.Contains("file not found", error.Message);
    }

    [Fact]
    public void MissingFileIsRefusedByTheReader()
    {
        var path = _folder.File("absent-idx1-ubyte");

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("file not found", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WrongMagicNumberIsRefused(bool gzip)
    {
        WriteGoodDataset(gzip);
        var bytes = Idx(TrainPixels, TrainCount, Rows, Columns);
        bytes[0] = 0x12;
        bytes[1] = 0x34;
        var path = Write("train-images-idx3-ubyte", bytes, gzip);

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("tiny", _folder.Path));

        Assert.Contains(path, error.Message);
        Assert.Contains("wrong magic number 0x1234", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedHeaderIsRefused(bool gzip)
    {
        WriteGoodDataset(gzip);
        // Three dimensions announced, so the header needs 16 bytes; only the magic and two dimensions are there.
        var path = Write("train-images-idx3-ubyte", Idx(TrainPixels, TrainCount, Rows, Columns)[..12], gzip);

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("tiny", _folder.Path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated: the header needs 16 bytes, the file has 12", error.Message);
    }

    [Fact]
    public void FileShorterThanTheMagicNumberIsRefused()
    {
        var path = _folder.File("stub-idx1-ubyte");
        File.WriteAllBytes(path, [0, 0]);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataIsRefused(bool gzip)
    {
        WriteGoodDataset(gzip);
        var full = Idx(TrainPixels, TrainCount, Rows, Columns);
        var path = Write("train-images-idx3-ubyte", full[..^5], gzip);

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("tiny", _folder.Path));

        Assert.Contains(path, error.Message);
        Assert.Contains($"truncated: the header promises {TrainCount * Rows * Columns} bytes", error.Message);
        Assert.Contains($"the file has {TrainCount * Rows * Columns - 5}", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingBytesAreRefused(bool gzip)
    {
        WriteGoodDataset(gzip);
        var path = Write("train-labels-idx1-ubyte", [.. Idx(TrainLabels, TrainCount), 9, 9, 9], gzip);

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("tiny", _folder.Path));

        Assert.Contains(path, error.Message);
        Assert.Contains("3 bytes after the data", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImagesAndLabelsWithDifferentCountsAreRefused(bool gzip)
    {
        WriteGoodDataset(gzip);
        var labelsPath = Write("t10k-labels-idx1-ubyte", Idx(TestLabels[..3], 3), gzip);

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("tiny", _folder.Path));

        Assert.Contains(PathOf("t10k-images-idx3-ubyte", gzip), error.Message);
        Assert.Contains(labelsPath, error.Message);
        Assert.Contains($"{TestCount} images but", error.Message);
        Assert.Contains("has 3 labels", error.Message);
    }

    [Fact]
    public void CorruptGzipIsRefused()
    {
        WriteGoodDataset(gzip: true);
        var path = PathOf("train-images-idx3-ubyte", gzip: true);
        File.WriteAllBytes(path, [0x1f, 0x8b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

        var error = Assert.Throws<DataFormatException>(() => DatasetCatalog.LoadIdx("tiny", _folder.Path));

        Assert.Contains(path, error.Message);
        Assert.Contains("corrupt gzip data", error.Message);
    }

    [Fact]
    public void RealFashionMnistLoads()
    {
        if (!Directory.Exists(DatasetCatalog.FashionMnistDirectory))
        {
            Assert.Skip($"{DatasetCatalog.FashionMnistDirectory} is absent (apt-get install dataset-fashion-mnist to run this test)");
        }

        var data = DatasetCatalog.LoadIdx("fashion-mnist", DatasetCatalog.FashionMnistDirectory);

        Assert.Equal(60000, data.Train.Count);
        Assert.Equal(10000, data.Test.Count);
        Assert.Equal([1L, 28, 28], data.Train.SampleShape);
        Assert.Equal([1L, 28, 28], data.Test.SampleShape);
        Assert.Equal(10, data.Train.Classes);
        Assert.Equal(Enumerable.Range(0, 10).Select(c => (long)c), data.Train.Labels.Distinct().Order());
        var (mean, std) = MeanAndStd(data.Train.Images);
        Assert.InRange(mean, -1e-3, 1e-3);
        Assert.InRange(std, 0.999, 1.001);
    }

    private static readonly byte[] TrainPixels = Enumerable.Range(0, TrainCount * Rows * Columns).Select(i => (byte)(i * 37 % 256)).ToArray();
    private static readonly byte[] TestPixels = Enumerable.Range(0, TestCount * Rows * Columns).Select(i => (byte)(i * 53 % 256)).ToArray();
    private static readonly byte[] TrainLabels = [0, 1, 2, 1, 0, 2];
    private static readonly byte[] TestLabels = [2, 0, 1, 3];

    private void WriteGoodDataset(bool gzip)
    {
        Write("train-images-idx3-ubyte", Idx(TrainPixels, TrainCount, Rows, Columns), gzip);
        Write("train-labels-idx1-ubyte", Idx(TrainLabels, TrainCount), gzip);
        Write("t10k-images-idx3-ubyte", Idx(TestPixels, TestCount, Rows, Columns), gzip);
        Write("t10k-labels-idx1-ubyte", Idx(TestLabels, TestCount), gzip);
    }

    /// <summary>An IDX file of unsigned bytes: magic 00 00 08 rank, big-endian dimensions, data.</summary>
    private static byte[] Idx(byte[] data, params int[] dims)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private string PathOf(string stem, bool gzip) => _folder.File(gzip ? stem + ".gz" : stem);

    private string Write(string stem, byte[] bytes, bool gzip)
    {
        var path = PathOf(stem, gzip);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using var file = File.Create(path);
        using var compressed = new GZipStream(file, CompressionLevel.Fastest);
        compressed.Write(bytes);
        return path;
    }

    private static (double Mean, double Std) MeanAndStd(float[] values)
    {
        double sum = 0, sumSquares = 0;
        foreach (var v in values)
        {
            sum += v;
            sumSquares += (double)v * v;
        }
        var mean = sum / values.Length;
        return (mean, Math.Sqrt(sumSquares / values.Length - mean * mean));
    }
}
