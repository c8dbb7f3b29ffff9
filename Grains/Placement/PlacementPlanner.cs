using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Grains.Placement;

/// <summary>
/// Maps each layer to a silo and a device. Pinned layers go where the spec says (refused, naming both, when the silo
/// is not in the cluster or does not offer the device). The others are cut into contiguous groups, one per active silo
/// in name order, so that each group's work is as even as the layer boundaries allow (consecutive layers together keep
/// signals local; balanced work lets the silos of a pipeline run at the same pace); devices are taken round-robin over
/// what each silo offers. The group holding layer 0 goes to <c>firstSilo</c> (the job's own silo) when it is active, so
/// the batches the job feeds in never cross processes.
/// </summary>
public static class PlacementPlanner
{
    public static PlannedLayer[] Plan(IReadOnlyList<LayerSpec> chain, IReadOnlyList<LayerPlacement> pins, IReadOnlyList<SiloDescription> silos, string? firstSilo = null)
    {
        if (silos.Count == 0)
        {
            throw new InvalidOperationException("no active silo to place layers on");
        }
        var ordered = silos.OrderBy(s => s.Name == firstSilo ? 0 : 1).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
        var groups = BalancedGroups(chain.Select(Work).ToArray(), ordered.Count);
        var nextDevice = ordered.ToDictionary(s => s.Name, _ => 0);
        var plan = new PlannedLayer[chain.Count];
        for (var layer = 0; layer < chain.Count; layer++)
        {
            var pin = pins.FirstOrDefault(p => p.Layer == layer);
            var silo = pin is { Silo.Length: > 0 }
                ? ordered.FirstOrDefault(s => s.Name == pin.Silo)
                    ?? throw new JobSpecException("placement", $"layer {layer} is pinned to silo '{pin.Silo}', which is not in the cluster (active: {string.Join(", ", ordered.Select(s => s.Name))})")
                : ordered[groups[layer]];
            string device;
            if (pin is { Device.Length: > 0 })
            {
                if (!silo.Devices.Contains(pin.Device))
                {
                    throw new JobSpecException("placement", $"layer {layer} is pinned to device '{pin.Device}', which silo '{silo.Name}' does not offer (it offers {string.Join(", ", silo.Devices)})");
                }
                device = pin.Device;
            }
            else
            {
                device = silo.Devices[nextDevice[silo.Name]++ % silo.Devices.Length];
            }
            plan[layer] = new PlannedLayer(layer, silo, device);
        }
        return plan;
    }

    /// <summary>Multiply-adds per sample of a layer's forward pass: what its share of a step's work grows with.</summary>
    public static double Work(LayerSpec layer) => layer.Kind == LayerKind.Linear
        ? (double)layer.InputFeatures * layer.OutputFeatures
        : (double)layer.InputShape[0] * layer.Kernel * layer.Kernel * layer.OutputFeatures * layer.Pool * layer.Pool;

    /// <summary>
    /// Cuts the layers into at most <paramref name="count"/> contiguous groups minimising the largest group's work
    /// (the linear partition problem, by dynamic programming); returns each layer's group.
    /// </summary>
    public static int[] BalancedGroups(double[] work, int count)
    {
        var n = work.Length;
        var k = Math.Min(count, n);
        var prefix = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            prefix[i + 1] = prefix[i] + work[i];
        }
        // best[g, i]: the smallest possible largest group when the first i layers form g groups; cut[g, i]: where the last group starts.
        var best = new double[k + 1, n + 1];
        var cut = new int[k + 1, n + 1];
        for (var i = 0; i <= n; i++)
        {
            best[1, i] = prefix[i];
        }
        for (var g = 2; g <= k; g++)
        {
            for (var i = g; i <= n; i++)
            {
                best[g, i] = double.PositiveInfinity;
                for (var j = g - 1; j < i; j++)
                {
                    var largest = Math.Max(best[g - 1, j], prefix[i] - prefix[j]);
                    if (largest < best[g, i])
                    {
                        best[g, i] = largest;
                        cut[g, i] = j;
                    }
                }
            }
        }
        var groups = new int[n];
        var end = n;
        for (var g = k; g >= 1; g--)
        {
            var start = g == 1 ? 0 : cut[g, end];
            for (var i = start; i < end; i++)
            {
                groups[i] = g - 1;
            }
            end = start;
        }
        return groups;
    }
}
