using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Countercurrent.Silo.Hosting;

/// <summary>
/// Reads section <c>Silo</c> into <see cref="SiloOptions"/>, refusing with <see cref="SiloSettingsException"/> a value
/// that is not of its setting's type and a key that is no setting (a misspelt one would otherwise be ignored).
/// </summary>
public static class SiloOptionsReader
{
    private static readonly PropertyInfo[] Settings = typeof(SiloOptions).GetProperties().Where(p => p.CanWrite).ToArray();

    public static SiloOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SiloOptions.Section);
        var unknown = section.GetChildren()
            .Where(c => !Settings.Any(p => string.Equals(p.Name, c.Key, StringComparison.OrdinalIgnoreCase)))
            .Select(c => $"{SiloOptions.Section}:{c.Key}")
            .ToList();
        if (unknown.Count > 0)
        {
            throw new SiloSettingsException($"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "is not a setting" : "are not settings")}; the settings are {string.Join(", ", Settings.Select(p => p.Name))}");
        }
        foreach (var setting in Settings)
        {
            if (section[setting.Name] is { } value && TypeProblem(setting.PropertyType, value) is { } problem)
            {
                throw new SiloSettingsException($"{SiloOptions.Section}:{setting.Name} '{value}' is not {problem}");
            }
        }
        var options = new SiloOptions();
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the type ("Failed to convert configuration value 'x' at 'Silo:...'").
            throw new SiloSettingsException(e.Message);
        }
        return options;
    }

    private static string? TypeProblem(Type type, string value) =>
        type == typeof(int) ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : "a whole number"
        : type == typeof(double) ? double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? null : "a number"
        : type == typeof(bool) ? bool.TryParse(value, out _) ? null : "true or false"
        : null;
}
