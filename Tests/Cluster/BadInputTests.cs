using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Layers;
using Countercurrent.Learning.Models;

namespace Countercurrent.Tests.Cluster;

/// <summary>Every kind of bad input is refused or stopped with a message naming the field, file, layer or step, and the cluster goes on serving.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();

    private static JobSpec Good(string jobId) => JobSpecs.Short(jobId);

    public static TheoryData<string, string, string> RefusedSpecs => new()
    {
        { "unknown rule", "rules", "'magic'" },
        { "rules that cannot be mixed", "rules", "ccl" },
        { "sizes that do not chain", "model", "100 inputs" },
        { "zero width", "model", "positive" },
        { "zero batch", "batchSize", "positive" },
        { "zero epochs", "epochs", "positive" },
        { "negative rate", "learningRate", "positive" },
        { "NaN rate", "learningRate", "finite" },
        { "infinite rate", "learningRate", "finite" },
        { "missing dataset folder", "dataset", "/no/such/folder" },
        { "id escaping its folder", "jobId", "../escape" },
        { "batch over the payload limit", "batchSize", "payload limit" },
    };

    [Theory]
    [MemberData(nameof(RefusedSpecs))]
    public async Task A_spec_that_cannot_work_is_refused_naming_the_field_and_the_cluster_then_runs_a_good_job(string what, string field, string fragment)
    {
        var id = "bad-" + what.Replace(' ', '-');
        var spec = what switch
        {
            "unknown rule" => Good(id) with { Rules = ["magic"] },
            "rules that cannot be mixed" => Good(id) with { Rules = ["ccl", "backprop"] },
            "sizes that do not chain" => Good(id) with { Model = "mlp:100-10" },
            "zero width" => Good(id) with { Model = "mlp:784-0-10" },
            "zero batch" => Good(id) with { BatchSize = 0 },
            "zero epochs" => Good(id) with { Epochs = 0 },
            "negative rate" => Good(id) with { LearningRate = -0.1 },
            "NaN rate" => Good(id) with { LearningRate = double.NaN },
            "infinite rate" => Good(id) with { LearningRate = double.PositiveInfinity },
            "missing dataset folder" => Good(id) with { Dataset = "fashion-mnist", DataDirectory = "/no/such/folder" },
            "id escaping its folder" => Good("../escape"),
            "batch over the payload limit" => Good(id) with { Model = "mlp:784-4096-10", BatchSize = 8192 },
            _ => throw new ArgumentException(what),
        };

        var error = await Assert.ThrowsAsync<JobSpecException>(() => fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec));

        Assert.Equal(field, error.Field);
        Assert.Contains(fragment, error.Message);
        await RunsAGoodJob(id + "-then-good");
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("truncated")]
    public async Task A_corrupt_or_truncated_idx_file_is_refused_naming_the_file(string damage)
    {
        var folder = Path.Combine(_data.Path, damage);
        Directory.CreateDirectory(folder);
        WriteIdx(Path.Combine(folder, "train-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28], damage == "truncated" ? 100 : 2 * 784);
        WriteIdx(Path.Combine(folder, "train-labels-idx1-ubyte"), damage == "corrupt" ? [7, 7, 7, 7] : [0, 0, 8, 1, 0, 0, 0, 2], 2);
        WriteIdx(Path.Combine(folder, "t10k-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28], 784);
        WriteIdx(Path.Combine(folder, "t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1], 1);
        var spec = Good($"bad-idx-{damage}") with { Dataset = "mnist", DataDirectory = folder };

        var error = await Assert.ThrowsAsync<JobSpecException>(() => fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec));

        Assert.Equal("dataset", error.Field);
        Assert.Contains(damage == "corrupt" ? "train-labels-idx1-ubyte" : "train-images-idx3-ubyte", error.Message);
        Assert.Contains(damage == "corrupt" ? "magic" : "truncated", error.Message);
        await RunsAGoodJob($"bad-idx-{damage}-then-good");
    }

    [Fact]
    public async Task A_payload_whose_bytes_do_not_match_its_shape_fails_naming_the_layer()
    {
        // A layer configured as a job would (a job frees its layers when it ends).
        var spec = Good("payload-target");
        var layer = fixture.Client.GetGrain<ILayerGrain>(LayerKey.For(spec.JobId, 0));
        await layer.Configure(new LayerSetup(spec, JobSpecValidator.Validate(spec), 0, "cpu"));
        var good = new TensorPayload([2, 784], TensorElementType.Float32, new byte[2 * 784 * 4]);
        var bad = good with { Data = new byte[100] };

        var error = await Assert.ThrowsAsync<LayerFailedException>(() =>
            layer.Forward(new ForwardSignal(spec.JobId, 99, Phase.Eval, bad, null)));
        await layer.Release();

        Assert.Equal(0, error.Layer);
        Assert.Equal(99, error.Step);
        Assert.Contains("needs 6,272 bytes but the payload has 100", error.Reason);
    }

    [Fact]
    public async Task A_diverging_job_stops_with_the_layer_and_step_that_produced_NaN_or_infinity()
    {
        var spec = Good("diverges") with { Optimizer = "sgd", LearningRate = 1e30, Model = "mlp:784-64-64-10", Epochs = 2 };

        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        var status = await JobWaiter.Finished(fixture.Client, spec.JobId);

        Assert.Equal(JobState.Failed, status.State);
        Assert.NotNull(status.Failure!.Layer);
        Assert.NotNull(status.Failure.Step);
        Assert.Contains("diverged", status.Failure.Reason);
        await RunsAGoodJob("diverges-then-good");
    }

    private async Task<JobStatus> RunsAGoodJob(string jobId)
    {
        await fixture.Client.GetGrain<IJobGrain>(jobId).Start(Good(jobId));
        var status = await JobWaiter.Finished(fixture.Client, jobId);
        Assert.Equal(JobState.Completed, status.State);
        return status;
    }

    private static void WriteIdx(string path, byte[] header, int dataBytes)
    {
        var bytes = new byte[header.Length + dataBytes];
        header.CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);
    }

    public void Dispose() => _data.Dispose();
}
