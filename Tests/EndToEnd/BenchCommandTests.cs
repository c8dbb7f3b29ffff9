using System.Diagnostics;
using System.Text.Json;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>The real client's `bench` command, with real silo processes on loopback: every mode runs and reports.</summary>
public sealed class BenchCommandTests
{
    // Two trainers on two threads of one process (the parallel-ceiling row) is where TorchSharp's temporary Scalars were
    // freed under libtorch (see TorchScalars): this test failed on clean clones before every Scalar was held.
    [Fact]
    public async Task Bench_runs_every_mode_and_reports_throughput_memory_and_payload_as_json()
    {
        // Its own working and temporary folders, to see what the bench leaves behind.
        var workDir = Directory.CreateTempSubdirectory("bench-cwd-");
        var tempDir = Directory.CreateTempSubdirectory("bench-tmp-");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDir.FullName,
        };
        start.Environment["TMPDIR"] = tempDir.FullName;
        foreach (var arg in (string[])[
            Path.Combine(AppContext.BaseDirectory, "Countercurrent.Client.dll"), "bench",
            "--dataset", "synthetic", "--synthetic-samples", "4096", "--model", "mlp:784-256-256-10", "--batch-size", "64",
            "--rules", "backprop,ccl", "--grad-clip", "1.0", "--epochs", "3", "--steps", "64", "--warmup", "5", "--threads", "2", "--processes", "1,2",
            "--rounds", "2", "--no-embedded", "--json"])
        {
            start.ArgumentList.Add(arg);
        }
        using var bench = Process.Start(start)!;
        var stderr = bench.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = await bench.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await bench.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);

        Assert.True(bench.ExitCode == 0, $"bench exited {bench.ExitCode}:\n{await stderr}");
        // Its jobs' checkpoints (two per job) are deleted: twelve jobs of the default MLP would leave half a gigabyte.
        Assert.Empty(workDir.EnumerateFiles("*", SearchOption.AllDirectories));
        // Nothing in the temporary folder either: the scratch checkpoint folder is gone, and the silo processes were
        // stopped, not killed, so their runtimes removed their diagnostic sockets (a killed process leaves its own).
        Assert.Empty(tempDir.EnumerateFileSystemInfos());
        workDir.Delete(recursive: true);
        tempDir.Delete(recursive: true);
        var rows = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        foreach (var rule in new[] { "backprop", "ccl" })
        {
            var modes = rows.Where(r => r.GetProperty("rule").GetString() == rule).ToDictionary(r => r.GetProperty("mode").GetString()!);
            Assert.Equal(["in-process", "2 x in-proc 1t", "1 proc x2t", "2 proc x1t"], modes.Keys);
            Assert.All(modes.Values, r => Assert.True(r.GetProperty("samplesPerSecond").GetDouble() > 0, $"{rule}: {r}"));
            // Two rounds: each mode's figure per round, each ratio against the in-process run of the same round.
            Assert.All(modes.Values, r => Assert.Equal(2, r.GetProperty("roundSamplesPerSecond").GetArrayLength()));
            Assert.All(modes["in-process"].GetProperty("roundRatios").EnumerateArray(), ratio => Assert.Equal(1.0, ratio.GetDouble(), 6));
            Assert.Equal(1.0, modes["in-process"].GetProperty("ratioToInProcess").GetDouble(), 6);
            // A run this short may give a silo mode too few 0.5 s intervals for a figure in a round (null): the median
            // is then over the rounds that have one.
            var twoProcessRatios = modes["2 proc x1t"].GetProperty("roundRatios").EnumerateArray()
                .Where(r => r.ValueKind == JsonValueKind.Number).Select(r => r.GetDouble()).Order().ToList();
            Assert.NotEmpty(twoProcessRatios);
            Assert.Equal(twoProcessRatios.Count == 1 ? twoProcessRatios[0] : (twoProcessRatios[0] + twoProcessRatios[1]) / 2,
                modes["2 proc x1t"].GetProperty("ratioToInProcess").GetDouble(), 6);
            // Layer parallelism: the speedup of two silo processes over one, which is 1 against itself and absent elsewhere.
            Assert.Equal(1.0, modes["1 proc x2t"].GetProperty("speedupOverOneProcess").GetDouble(), 6);
            Assert.True(modes["2 proc x1t"].GetProperty("speedupOverOneProcess").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, modes["in-process"].GetProperty("speedupOverOneProcess").ValueKind);
            foreach (var measured in new[] { modes["in-process"], modes["2 proc x1t"] })
            {
                var tensors = measured.GetProperty("liveTensorsPerEpoch").EnumerateArray().Select(t => t.GetInt64()).ToList();
                Assert.Equal(3, tensors.Count);
                Assert.All(tensors, t => Assert.Equal(tensors[0], t));
                Assert.Equal(3, measured.GetProperty("rssMiBPerEpoch").GetArrayLength());
            }
            Assert.True(modes["2 proc x1t"].GetProperty("bytesPerStep").GetDouble() > 0, "no payload crossed between the layers");
            // The two silo processes each report every epoch, and their sum is the total.
            var byProcess = modes["2 proc x1t"].GetProperty("rssMiBPerEpochByProcess").EnumerateObject().ToList();
            Assert.Equal(["silo-1", "silo-2"], byProcess.Select(p => p.Name));
            var total = modes["2 proc x1t"].GetProperty("rssMiBPerEpoch").EnumerateArray().Select(r => r.GetDouble()).ToList();
            for (var epoch = 0; epoch < 3; epoch++)
            {
                Assert.Equal(total[epoch], byProcess.Sum(p => p.Value[epoch].GetDouble()), 6);
            }
        }
    }
}
