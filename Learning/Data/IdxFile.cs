using System.Buffers.Binary;
using System.IO.Compression;

namespace Countercurrent.Learning.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), gzipped or raw: magic 0x00 0x00 type ndims, big-endian
/// dimensions, then the data. Only unsigned-byte data (type 0x08) is used by these datasets.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>The dimensions and the raw bytes of an IDX file of unsigned bytes.</summary>
    public static (int[] Dimensions, byte[] Data) Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found");
        }
        byte[] raw;
        try
        {
            raw = IsGzip(path) ? ReadGzip(path) : File.ReadAllBytes(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: corrupt gzip data ({e.Message})");
        }
        return Parse(raw, path);
    }

    /// <summary>Parses IDX bytes; <paramref name="path"/> only names the source in errors.</summary>
    public static (int[] Dimensions, byte[] Data) Parse(ReadOnlySpan<byte> raw, string path)
    {
        if (raw.Length < 4)
        {
            throw new DataFormatException($"{path}: truncated: {raw.Length} bytes, too short for the IDX header");
        }
        if (raw[0] != 0 || raw[1] != 0)
        {
            throw new DataFormatException(
                $"{path}: wrong magic number 0x{raw[0]:x2}{raw[1]:x2}{raw[2]:x2}{raw[3]:x2}: not an IDX file");
        }
        if (raw[2] != UnsignedByte)
        {
            throw new DataFormatException($"{path}: element type 0x{raw[2]:x2} is not supported (expected 0x08, unsigned byte)");
        }
        int rank = raw[3];
        if (rank is < 1 or > 4)
        {
            throw new DataFormatException($"{path}: {rank} dimensions in the header; expected 1 to 4");
        }
        var headerLength = 4 + 4 * rank;
        if (raw.Length < headerLength)
        {
            throw new DataFormatException($"{path}: truncated: the header needs {headerLength} bytes, the file has {raw.Length}");
        }
        var dims = new int[rank];
        long expected = 1;
        for (var i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(raw.Slice(4 + 4 * i, 4));
            if (dims[i] <= 0)
            {
                throw new DataFormatException($"{path}: dimension {i} is {dims[i]}");
            }
            expected *= dims[i];
        }
        var data = raw[headerLength..];
        if (data.Length < expected)
        {
            throw new DataFormatException(
                $"{path}: truncated: the header promises {expected:N0} bytes of data ([{string.Join(" x ", dims)}]) but the file has {data.Length:N0}");
        }
        if (data.Length > expected)
        {
            throw new DataFormatException($"{path}: {data.Length - expected:N0} bytes after the data the header describes");
        }
        return (dims, data.ToArray());
    }

    private static bool IsGzip(string path)
    {
        using var stream = File.OpenRead(path);
        return stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
    }

    private static byte[] ReadGzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
