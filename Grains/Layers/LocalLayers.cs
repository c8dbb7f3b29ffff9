using System.Collections.Concurrent;

namespace Countercurrent.Grains.Layers;

/// <summary>
/// The layers active on this silo, by grain key: a layer hands its signals straight to a neighbour found here (a call
/// on the neighbour's <see cref="LayerWorker"/>, from thread to thread), and a signal link delivers what arrives for
/// them from other silos (<see cref="Signals.SignalLinks"/>). An activation is unique in the cluster, so a worker
/// registered here is the neighbour's only one; it is removed before it is freed. With direct hand-over disabled
/// (<c>Silo:DirectHandOver=false</c>), every hand-over within the silo is a grain call.
/// </summary>
public sealed class LocalLayers(bool handOver)
{
    private readonly ConcurrentDictionary<string, LayerWorker> _layers = new();

    public void Add(string key, LayerWorker worker) => _layers[key] = worker;

    /// <summary>Removes <paramref name="worker"/> (not a newer worker registered under the same key).</summary>
    public void Remove(string key, LayerWorker worker) => _layers.TryRemove(KeyValuePair.Create(key, worker));

    /// <summary>The worker a neighbour on this silo hands its signals to directly; null when handing over is disabled.</summary>
    public LayerWorker? FindNeighbour(string key) => handOver ? Find(key) : null;

    /// <summary>The worker of the layer with this key, when it is active on this silo.</summary>
    public LayerWorker? Find(string key) => _layers.TryGetValue(key, out var worker) ? worker : null;
}
