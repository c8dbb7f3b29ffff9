namespace Countercurrent.Grains.Checkpoints;

/// <summary>
/// Checkpoints as files under one folder: {root}/{job}/{checkpoint}/layer-{i}.bin, each written to a temporary file
/// and renamed, so a crash mid-write never leaves a half file under the final name. For one machine, or several that
/// share the folder.
/// </summary>
public sealed class FolderCheckpointStore : ICheckpointStore
{
    private readonly string _root;

    public FolderCheckpointStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public async Task Write(string jobId, long checkpoint, int layer, byte[] state)
    {
        var path = LayerPath(jobId, checkpoint, layer);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temporary, state);
        File.Move(temporary, path, overwrite: true);
    }

    public async Task<byte[]> Read(string jobId, long checkpoint, int layer)
    {
        var path = LayerPath(jobId, checkpoint, layer);
        return File.Exists(path)
            ? await File.ReadAllBytesAsync(path)
            : throw new CheckpointMissingException($"checkpoint {checkpoint} of job {jobId} has no state for layer {layer} ({path})");
    }

    public Task DeleteExcept(string jobId, IReadOnlyCollection<long> keep)
    {
        var folder = JobFolder(jobId);
        if (Directory.Exists(folder))
        {
            foreach (var dir in Directory.GetDirectories(folder))
            {
                if (long.TryParse(Path.GetFileName(dir), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && !keep.Contains(id))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
            // Keeping nothing (a finished job's checkpoints deleted) leaves no empty folder behind.
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        return Task.CompletedTask;
    }

    private string JobFolder(string jobId)
    {
        var folder = Path.GetFullPath(Path.Combine(_root, CheckpointKeys.CheckedJobId(jobId)));
        return folder.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? folder
            : throw new ArgumentException($"job id '{jobId}' would leave the checkpoint folder {_root}");
    }

    private string LayerPath(string jobId, long checkpoint, int layer) =>
        Path.Combine(JobFolder(jobId), checkpoint.ToString(System.Globalization.CultureInfo.InvariantCulture), $"layer-{layer}.bin");
}
