namespace Countercurrent.Client.Commands;

/// <summary>
/// The folder an export is written to. It must be new, empty, or hold a previous export (model.json, spec.json and
/// layer-i.bin files, nothing else), which is then replaced completely: the new files are written to a staging folder
/// next to it and moved in only once all are written, after the old export's files are removed, so no layer of an older,
/// larger model stays behind and a failed export leaves the previous one as it was.
/// </summary>
public sealed class ExportFolder
{
    private readonly string _target;

    private ExportFolder(string target, string staging)
    {
        _target = target;
        Staging = staging;
    }

    /// <summary>Where the files are written before <see cref="Commit"/> moves them in.</summary>
    public string Staging { get; }

    /// <exception cref="UsageException">The folder holds files that are not an export's.</exception>
    public static ExportFolder Open(string output)
    {
        var target = Path.GetFullPath(output);
        if (File.Exists(target))
        {
            throw new UsageException($"--out {output}: is a file, not a folder");
        }
        if (Directory.Exists(target))
        {
            var entries = Directory.EnumerateFileSystemEntries(target).ToList();
            var foreign = entries.Where(e => !IsExportFile(e)).Select(Path.GetFileName).Take(3).ToList();
            if (foreign.Count > 0 || entries.Count > 0 && !File.Exists(Path.Combine(target, ModelCommands.ManifestFile)))
            {
                var what = foreign.Count > 0 ? $"holds files that are not a model export ({string.Join(", ", foreign)})" : $"has no {ModelCommands.ManifestFile}, so it is not a previous export";
                throw new UsageException($"--out {output}: the folder {what}; export into a new or empty folder, or one holding a previous export (which is replaced)");
            }
        }
        var parent = Path.GetDirectoryName(target) ?? target;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.export-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return new ExportFolder(target, staging);
    }

    /// <summary>Replaces whatever export the folder held with the staged files.</summary>
    public void Commit()
    {
        Directory.CreateDirectory(_target);
        foreach (var old in Directory.EnumerateFiles(_target).Where(IsExportFile))
        {
            File.Delete(old);
        }
        foreach (var file in Directory.EnumerateFiles(Staging))
        {
            File.Move(file, Path.Combine(_target, Path.GetFileName(file)));
        }
        Directory.Delete(Staging);
    }

    /// <summary>Removes the staged files (the export failed).</summary>
    public void Abandon()
    {
        if (Directory.Exists(Staging))
        {
            Directory.Delete(Staging, recursive: true);
        }
    }

    private static bool IsExportFile(string path)
    {
        var name = Path.GetFileName(path);
        return File.Exists(path) && (name == ModelCommands.SpecFile || name == ModelCommands.ManifestFile ||
            name.StartsWith("layer-", StringComparison.Ordinal) && name.EndsWith(".bin", StringComparison.Ordinal) && int.TryParse(name[6..^4], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _));
    }
}
