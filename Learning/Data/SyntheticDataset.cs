namespace Countercurrent.Learning.Data;

/// <summary>
/// A seeded, learnable stand-in for an image dataset, for fast tests: each class has a random prototype image and a
/// sample is its class's prototype plus unit Gaussian noise (prototypes are drawn with standard deviation <c>separation</c>, small enough that the classes overlap), shaped like MNIST ([1, 28, 28], 10 classes) unless told otherwise.
/// </summary>
public static class SyntheticDataset
{
    public static DatasetPair Create(int trainSamples, long seed, int classes = 10, long[]? sampleShape = null, double separation = 0.15)
    {
        sampleShape ??= [1, 28, 28];
        var size = (int)sampleShape.Aggregate(1L, (n, d) => n * d);
        var random = new Random(unchecked((int)seed) ^ 0x5EED);
        var prototypes = new float[classes * size];
        for (var i = 0; i < prototypes.Length; i++)
        {
            prototypes[i] = (float)(separation * Gaussian(random));
        }
        return new DatasetPair(
            Make("synthetic-train", trainSamples),
            Make("synthetic-test", Math.Max(classes, trainSamples / 5)));

        Dataset Make(string name, int count)
        {
            var images = PinnedArrays.Uninitialized<float>(count * size);
            var labels = PinnedArrays.Uninitialized<long>(count);
            for (var s = 0; s < count; s++)
            {
                var label = random.Next(classes);
                labels[s] = label;
                for (var j = 0; j < size; j++)
                {
                    images[s * size + j] = prototypes[label * size + j] + (float)Gaussian(random);
                }
            }
            return new Dataset(name, images, labels, sampleShape, classes);
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
