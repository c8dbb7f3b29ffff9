using Countercurrent.Learning.Layers;
using Microsoft.Extensions.Options;

namespace Countercurrent.Silo.Hosting;

/// <summary>Refuses silo options that cannot work, naming the setting.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var errors = new List<string>();
        if (options.Clustering is not "localhost")
        {
            errors.Add($"Silo:Clustering '{options.Clustering}' is unknown; expected localhost");
        }
        if (options.SiloPort is <= 0 or > 65535)
        {
            errors.Add($"Silo:SiloPort {options.SiloPort} is not a port");
        }
        if (options.GatewayPort is <= 0 or > 65535)
        {
            errors.Add($"Silo:GatewayPort {options.GatewayPort} is not a port");
        }
        if (options.Devices.Length == 0)
        {
            errors.Add("Silo:Devices is empty; offer at least cpu");
        }
        errors.AddRange(options.Devices.Where(d => !DeviceName.IsValid(d)).Select(d => $"Silo:Devices '{d}' is not cpu or cuda:N"));
        if (options.TorchThreads < 0)
        {
            errors.Add($"Silo:TorchThreads {options.TorchThreads} must be 0 (all cores) or positive");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
