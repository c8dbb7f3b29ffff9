namespace Countercurrent.Grains.Layers;

/// <summary>The key of a layer grain: "jobId/index".</summary>
public static class LayerKey
{
    public static string For(string jobId, int index) => $"{jobId}/{index}";

    public static (string JobId, int Index) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], int.Parse(key[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
