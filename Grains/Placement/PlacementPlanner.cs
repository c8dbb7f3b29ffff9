using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Grains.Placement;

/// <summary>
/// Maps each layer to a silo and a device. Pinned layers go where the spec says (refused, naming both, when the silo
/// is not in the cluster or does not offer the device). The others are spread evenly over the active silos in name
/// order, consecutive layers together (layer groups), and take devices round-robin over what their silo offers.
/// </summary>
public static class PlacementPlanner
{
    public static PlannedLayer[] Plan(int layerCount, IReadOnlyList<LayerPlacement> pins, IReadOnlyList<SiloDescription> silos)
    {
        if (silos.Count == 0)
        {
            throw new InvalidOperationException("no active silo to place layers on");
        }
        var ordered = silos.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var nextDevice = ordered.ToDictionary(s => s.Name, _ => 0);
        var plan = new PlannedLayer[layerCount];
        for (var layer = 0; layer < layerCount; layer++)
        {
            var pin = pins.FirstOrDefault(p => p.Layer == layer);
            SiloDescription silo;
            if (pin is { Silo.Length: > 0 })
            {
                silo = ordered.FirstOrDefault(s => s.Name == pin.Silo)
                    ?? throw new JobSpecException("placement", $"layer {layer} is pinned to silo '{pin.Silo}', which is not in the cluster (active: {string.Join(", ", ordered.Select(s => s.Name))})");
            }
            else
            {
                silo = ordered[(int)((long)layer * ordered.Count / layerCount)];
            }
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
}
