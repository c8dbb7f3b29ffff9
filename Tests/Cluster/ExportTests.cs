using System.Text.Json;
using Countercurrent.Client;
using Countercurrent.Client.Commands;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Cluster;

/// <summary>
/// `export`: a job that has not finished is refused unless its latest checkpoint is asked for; a cancelled job with a
/// completed epoch is exported; the output folder gets exactly the job's files.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ExportTests(ClusterFixture fixture) : IDisposable
{
    private readonly TempDirectory _out = new();

    [Fact]
    public async Task A_running_job_is_exported_only_with_latest_and_once_cancelled_after_an_epoch_without()
    {
        const string id = "export-running";
        var job = fixture.Client.GetGrain<IJobGrain>(id);
        await job.Start(JobSpecs.Endless(id));
        await WaitFor(job, s => s.Checkpoint is not null, "the first checkpoint");
        var folder = _out.File("model");

        var refused = await Assert.ThrowsAsync<JobStateException>(() => ModelCommands.Export(fixture.Client, id, folder));
        Assert.Equal(JobState.Running, refused.State);
        Assert.Contains("export takes a finished job", refused.Message);
        Assert.Contains("--latest", refused.Message);
        Assert.False(Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(), "a refused export wrote files");

        var latest = await ModelCommands.Export(fixture.Client, id, folder, latest: true);
        Assert.Contains("latest checkpoint", latest.Description);
        var manifest = Manifest(folder);
        Assert.Equal("Running", manifest.GetProperty("state").GetString());
        Assert.Equal(latest.Checkpoint.Id, manifest.GetProperty("checkpoint").GetInt64());
        Assert.True(File.Exists(Path.Combine(folder, ModelCommands.LayerFile(1))));

        await WaitFor(job, s => s.Epoch >= 1, "the first epoch to end");
        var cancelled = await job.Cancel();
        Assert.Equal(JobState.Cancelled, cancelled.State);
        var exported = await ModelCommands.Export(fixture.Client, id, folder);
        Assert.Equal(cancelled.Checkpoint!.Id, exported.Checkpoint.Id);
        Assert.Contains($"the weights after epoch {cancelled.Checkpoint!.Epoch} of 1000", exported.Description);
        Assert.Contains("the job was Cancelled", exported.Description);
        Assert.Equal("Cancelled", Manifest(folder).GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_export_replaces_a_previous_one_completely_and_refuses_a_folder_of_other_files()
    {
        const string id = "export-replace";
        await fixture.Client.GetGrain<IJobGrain>(id).Start(JobSpecs.Short(id));
        await JobWaiter.Finished(fixture.Client, id);
        // A previous export of a six-layer model.
        var folder = _out.File("previous");
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { ModelCommands.SpecFile, ModelCommands.ManifestFile }.Concat(Enumerable.Range(0, 6).Select(ModelCommands.LayerFile)))
        {
            File.WriteAllText(Path.Combine(folder, name), "old");
        }

        await ModelCommands.Export(fixture.Client, id, folder);

        Assert.Equal(["layer-0.bin", "layer-1.bin", "model.json", "spec.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal(id, Manifest(folder).GetProperty("jobId").GetString());

        var other = _out.File("other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "mine");
        var error = await Assert.ThrowsAsync<UsageException>(() => ModelCommands.Export(fixture.Client, id, other));
        Assert.Contains("notes.txt", error.Message);
        Assert.Equal(["notes.txt"], Directory.GetFiles(other).Select(Path.GetFileName));
        // No staging folder is left next to the targets.
        Assert.Equal(["other", "previous"], Directory.GetDirectories(_out.Path).Select(Path.GetFileName).Order());
    }

    private static JsonElement Manifest(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, ModelCommands.ManifestFile))).RootElement;

    private static async Task WaitFor(IJobGrain job, Func<JobStatus, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        var status = await job.GetStatus();
        while (!condition(status))
        {
            if (DateTime.UtcNow > deadline || status.IsFinished)
            {
                throw new TimeoutException($"job {status.JobId} waiting for {what}: {status.State}, {status.Position()}");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
            status = await job.GetStatus();
        }
    }

    public void Dispose() => _out.Dispose();
}
