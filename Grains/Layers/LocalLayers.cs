using System.Collections.Concurrent;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// The layers active on this silo, by grain key: a layer hands its signals straight to a neighbour found here (a call
/// on the neighbour's <see cref="LayerWorker"/>, from thread to thread) and through an Orleans grain call otherwise.
/// An activation is unique in the cluster, so a worker registered here is the neighbour's only one; it is removed
/// before it is freed. Disabled (<c>Silo:DirectHandOver=false</c>), every hand-over is a grain call.
/// </summary>
public sealed class LocalLayers(bool enabled)
{
    private readonly ConcurrentDictionary<string, LayerWorker> _layers = new();

    public void Add(string key, LayerWorker worker)
    {
        if (enabled)
        {
            _layers[key] = worker;
        }
    }

    /// <summary>Removes <paramref name="worker"/> (not a newer worker registered under the same key).</summary>
    public void Remove(string key, LayerWorker worker) => _layers.TryRemove(KeyValuePair.Create(key, worker));

    public LayerWorker? Find(string key) => _layers.TryGetValue(key, out var worker) ? worker : null;
}
