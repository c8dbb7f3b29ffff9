using System.Globalization;

namespace Countercurrent.Client;

/// <summary>
/// Parsed command line: a command, positional arguments and <c>--name value</c> / <c>--flag</c> options. Options a
/// command does not read, and positional arguments it does not take, are refused, so a misspelt option or a stray word
/// fails loudly instead of being ignored. The parser knows the flags but not the other options' names: an option
/// followed by nothing (or by another option) is refused as unknown unless a command reads it, and then as missing
/// its value.
/// </summary>
public sealed class CommandLineArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _withoutValue = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CommandLineArgs(string[] args, IReadOnlySet<string> flags)
    {
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(arg);
                continue;
            }
            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (!flags.Contains(name))
            {
                if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    value = args[++i];
                }
                else
                {
                    _withoutValue.Add(name);
                }
            }
            if (!_options.TryAdd(name, value))
            {
                throw new UsageException($"option --{name} is given twice");
            }
        }
        Command = positional.Count > 0 ? positional[0] : "";
        Positional = positional.Skip(1).ToList();
    }

    public string Command { get; }
    public IReadOnlyList<string> Positional { get; }

    public bool Has(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    public bool Flag(string name) => Has(name);

    public string? String(string name)
    {
        if (!Has(name))
        {
            return null;
        }
        if (_withoutValue.Contains(name))
        {
            throw new UsageException($"option --{name} needs a value");
        }
        return _options[name];
    }

    public int? Int(string name) => Parse(name, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public long? Long(string name) => Parse(name, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public double? Double(string name) => Parse(name, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>Fails on any option the command did not read, and on positional arguments after the first <paramref name="positionals"/>.</summary>
    public void RefuseUnread(int positionals = 0)
    {
        if (Positional.Count > positionals)
        {
            var extra = Positional.Skip(positionals).ToList();
            throw new UsageException($"unexpected argument{(extra.Count > 1 ? "s" : "")} for '{Command}': {string.Join(" ", extra.Select(e => $"'{e}'"))}");
        }
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")} for '{Command}': {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }

    private T? Parse<T>(string name, Func<string, T> parse) where T : struct
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }
        try
        {
            return parse(text);
        }
        catch (FormatException)
        {
            throw new UsageException($"option --{name}: '{text}' is not a number");
        }
        catch (OverflowException)
        {
            throw new UsageException($"option --{name}: '{text}' is out of range");
        }
    }
}
