using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Grains.Placement;

/// <summary>
/// Maps each layer to a silo and a device. Pinned layers go where the spec says (refused, naming both, when the silo
/// is not in the cluster or does not offer the device). The others are spread so that the busiest silo has as little
/// work as possible: a pipeline runs at the pace of its slowest stage. A silo's work is its layers' compute plus the
/// cost of every signal it sends or receives across silos, so layers stay together unless splitting them balances the
/// load by more than the crossing costs (with 784-1024-1024-10 on two silos, the cheap top layer joins layer 0 rather
/// than layer 1: measured 1.44x in-process against 1.2x for the contiguous cut). Small plans (up to 250,000 candidate
/// assignments) are searched exhaustively; larger ones are cut into contiguous groups of even work. Layer 0, which the
/// job feeds, goes to <c>firstSilo</c> (the job's own silo) when it is active, so batches never cross processes; ties
/// go to the fewest crossings, then to silos in name order. Devices are taken round-robin over what each silo offers.
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
        var groups = Assign(chain.Select(Work).ToArray(), chain.Select(Crossing).ToArray(), ordered.Count);
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

    /// <summary>Estimated work of a layer per sample, in multiply-adds.</summary>
    /// <remarks>
    /// The forward pass's multiply-adds (the backward or feedback pass scales with them), plus
    /// <see cref="ElementCost"/> per input and output feature for what scales with the activations (activation
    /// functions, finiteness checks, converting signals to payloads and back), which is what makes a narrow top layer
    /// cost more than its multiply-adds say: measured on the 784-1024-1024-10 CCL bench, the layers took 41%, 53% and 6%
    /// of a silo's tensor time.
    /// </remarks>
    public static double Work(LayerSpec layer) => (layer.Kind == LayerKind.Linear
        ? (double)layer.InputFeatures * layer.OutputFeatures
        : (double)layer.InputShape[0] * layer.Kernel * layer.Kernel * layer.OutputFeatures * layer.Pool * layer.Pool)
        + ElementCost * (layer.InputFeatures + layer.OutputFeatures);

    /// <summary>Cost, per sample, of the layer's output crossing to another silo (charged to both silos).</summary>
    public static double Crossing(LayerSpec layer) => CrossingCost * layer.OutputFeatures;

    /// <summary>Multiply-adds that one element-wise pass over one feature costs about as much as.</summary>
    public const double ElementCost = 32;

    /// <summary>Multiply-adds that sending one feature of a signal across silos (serialise, copy, deserialise) costs about as much as.</summary>
    public const double CrossingCost = 16;

    /// <summary>Above this many candidate assignments the planner falls back to contiguous groups.</summary>
    public const int ExhaustiveLimit = 250_000;

    /// <summary>
    /// Assigns each layer one of <paramref name="count"/> silos (layer 0 to silo 0) minimising the busiest silo's load
    /// (its layers' work plus the crossing cost of every signal between layers on different silos, charged to both),
    /// then the total crossing cost; ties go to the lexicographically first assignment. Exhaustive when small enough,
    /// otherwise <see cref="BalancedGroups"/> on the work alone.
    /// </summary>
    public static int[] Assign(double[] work, double[] crossing, int count)
    {
        var n = work.Length;
        if (n == 0 || count <= 1)
        {
            return new int[n];
        }
        if (Math.Pow(count, n - 1) > ExhaustiveLimit)
        {
            return BalancedGroups(work, count);
        }
        var current = new int[n];
        var best = new int[n];
        var bestMax = double.PositiveInfinity;
        var bestCrossing = double.PositiveInfinity;
        var loads = new double[count];
        while (true)
        {
            Array.Clear(loads);
            var crossed = 0.0;
            for (var i = 0; i < n; i++)
            {
                loads[current[i]] += work[i];
                if (i + 1 < n && current[i] != current[i + 1])
                {
                    loads[current[i]] += crossing[i];
                    loads[current[i + 1]] += crossing[i];
                    crossed += crossing[i];
                }
            }
            var largest = loads.Max();
            if (largest < bestMax * (1 - 1e-9) || (largest <= bestMax * (1 + 1e-9) && crossed < bestCrossing * (1 - 1e-9)))
            {
                bestMax = largest;
                bestCrossing = crossed;
                current.CopyTo(best, 0);
            }
            // Next assignment in lexicographic order, layer 0 fixed on silo 0.
            var digit = n - 1;
            while (digit > 0 && current[digit] == count - 1)
            {
                current[digit--] = 0;
            }
            if (digit == 0)
            {
                return best;
            }
            current[digit]++;
        }
    }

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
