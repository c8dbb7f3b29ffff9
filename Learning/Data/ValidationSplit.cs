namespace Countercurrent.Learning.Data;

/// <summary>
/// Holds a seeded random part of a training set out for validation, as the CCL reference code does (10% there):
/// floor(n * fraction) samples drawn by a Fisher-Yates permutation seeded by the job's seed go to the validation set,
/// the rest stay in training. Both keep the training set's original order. A seeded System.Random gives the same
/// permutation in every process, so the client, every silo and the in-process trainer hold out the same samples.
/// </summary>
public static class ValidationSplit
{
    /// <summary>The sample indices of the training part and of the validation part of a set of <paramref name="count"/> samples.</summary>
    public static (int[] Train, int[] Validation) Indices(int count, double fraction, long seed)
    {
        if (!double.IsFinite(fraction) || fraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), $"validation fraction {fraction} is not between 0 and 1");
        }
        // The small epsilon keeps a product like 0.1 * 60000 from flooring to one sample less through rounding.
        var held = (int)Math.Floor(count * fraction + 1e-9);
        var permutation = Enumerable.Range(0, count).ToArray();
        var random = new Random(unchecked((int)(seed * 7_919L + 0x5A11D)));
        for (var i = permutation.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
        var validation = permutation[..held];
        var train = permutation[held..];
        Array.Sort(validation);
        Array.Sort(train);
        return (train, validation);
    }

    /// <summary>The pair with its training set split into training and validation sets.</summary>
    public static DatasetPair Apply(DatasetPair pair, double fraction, long seed)
    {
        var (train, validation) = Indices(pair.Train.Count, fraction, seed);
        if (validation.Length == 0)
        {
            throw new DataFormatException($"{pair.Train.Name}: holding out {fraction} of {pair.Train.Count} samples leaves no validation sample");
        }
        var name = pair.Train.Name.EndsWith("-train", StringComparison.Ordinal) ? pair.Train.Name[..^"-train".Length] : pair.Train.Name;
        return new DatasetPair(pair.Train.Subset(train, $"{name}-train"), pair.Test, pair.Train.Subset(validation, $"{name}-validation"));
    }
}
