using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Countercurrent.Client.Processes;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Training;

namespace Countercurrent.Client.Commands;

/// <summary>
/// `bench`: the same spec, back to back in one invocation: in process, on an embedded silo, and on N silo processes
/// on this machine (--processes 1,2,3; torch threads split between them), for each rule asked for. Reports the median
/// samples/s over intervals after a warm-up, the ratio to in-process, and the client process's RSS.
/// </summary>
public static class BenchCommand
{
    public static async Task<int> RunAsync(CommandLineArgs args, CancellationToken cancel)
    {
        var baseSpec = JobSpecReader.FromCommandLine(args);
        var steps = args.Int("steps") ?? 300;
        var warmup = args.Int("warmup") ?? 50;
        var threads = args.Int("threads") ?? 0;
        var json = args.Flag("json");
        var processes = args.String("processes") is { } counts
            ? counts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => int.TryParse(c, out var n) && n > 0 ? n : throw new UsageException($"--processes: '{c}' is not a positive count")).ToArray()
            : [];
        var embeddedToo = !args.Flag("no-embedded");
        var compared = args.String("rules") is { } list
            ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(r => new[] { r }).ToList()
            : [baseSpec.Rules];
        args.RefuseUnread();
        if (steps <= warmup)
        {
            throw new UsageException($"--steps ({steps}) must be larger than --warmup ({warmup})");
        }
        baseSpec = baseSpec with { Epochs = 1, MaxStepsPerEpoch = steps, MaxEvalSamples = baseSpec.BatchSize };
        JobSpecValidator.Validate(baseSpec with { JobId = "bench" });
        TorchRuntime.SetThreads(threads);
        var data = DatasetCatalog.Load(baseSpec);
        var rows = new List<BenchRow>();
        foreach (var rules in compared)
        {
            var spec = baseSpec with { Rules = rules };
            var rule = string.Join(",", rules);
            var inProcess = InProcess(spec, data, warmup, cancel);
            rows.Add(inProcess);
            Console.Error.WriteLine(inProcess.Line(inProcess.SamplesPerSecond));
            if (embeddedToo)
            {
                await using var embedded = await ClusterConnection.Embedded(threads, cancel);
                var row = await OnSilo("embedded", embedded, spec with { JobId = $"bench-{Environment.ProcessId}-{rows.Count}" }, warmup, cancel);
                rows.Add(row);
                Console.Error.WriteLine(row.Line(inProcess.SamplesPerSecond));
            }
            foreach (var count in processes)
            {
                // Split the cores so that the silos together use as many torch threads as the in-process run.
                var each = Math.Max(1, (threads > 0 ? threads : Environment.ProcessorCount) / count);
                await using var cluster = await LocalSiloCluster.Start(count, each, cancel);
                var row = await OnSilo($"{count} proc x{each}t", cluster.Connection, spec with { JobId = $"bench-{Environment.ProcessId}-{rows.Count}" }, warmup, cancel);
                rows.Add(row);
                Console.Error.WriteLine(row.Line(inProcess.SamplesPerSecond));
            }
        }
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(rows.Select(r => new
            {
                r.Mode,
                r.Rule,
                r.SamplesPerSecond,
                ratioToInProcess = r.SamplesPerSecond / rows.First(x => x.Rule == r.Rule && x.Mode == "in-process").SamplesPerSecond,
                r.Intervals,
                rssMiB = r.RssMiB,
            }), new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        }
        else
        {
            Console.Out.WriteLine($"{"mode",-14} {"rule",-10} {"samples/s",10} {"ratio",7} {"intervals",9} {"RSS MiB",8}");
            foreach (var r in rows)
            {
                var baseline = rows.First(x => x.Rule == r.Rule && x.Mode == "in-process").SamplesPerSecond;
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Mode,-14} {r.Rule,-10} {r.SamplesPerSecond,10:N0} {r.SamplesPerSecond / baseline,7:0.00} {r.Intervals,9} {r.RssMiB,8:N0}"));
            }
        }
        return ExitCodes.Success;
    }

    private static BenchRow InProcess(JobSpec spec, DatasetPair data, int warmup, CancellationToken cancel)
    {
        using var trainer = new InProcessTrainer(spec with { JobId = "bench" }, data);
        var order = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, 0, maxSteps: spec.MaxStepsPerEpoch);
        var sampler = new ThroughputSampler(spec.BatchSize, warmup);
        var lastObservation = Stopwatch.StartNew();
        for (var s = 0; s < order.StepCount; s++)
        {
            cancel.ThrowIfCancellationRequested();
            trainer.TrainStep(s, data.Train, order.Batch(s));
            if (s + 1 == warmup || lastObservation.Elapsed.TotalSeconds >= 0.5 || s + 1 == order.StepCount)
            {
                sampler.Observe(s + 1);
                lastObservation.Restart();
            }
        }
        return new BenchRow("in-process", string.Join(",", spec.Rules), sampler.MedianSamplesPerSecond(), sampler.Intervals, RssMiB());
    }

    private static async Task<BenchRow> OnSilo(string mode, ClusterConnection connection, JobSpec spec, int warmup, CancellationToken cancel)
    {
        var job = connection.Client.GetGrain<IJobGrain>(spec.JobId);
        var sampler = new ThroughputSampler(spec.BatchSize, warmup);
        var status = await job.Start(spec);
        while (!status.IsFinished && status.StepsDone < spec.MaxStepsPerEpoch)
        {
            await Task.Delay(500, cancel);
            status = await job.GetStatus();
            sampler.Observe(status.StepsDone);
        }
        while (!status.IsFinished)
        {
            await Task.Delay(100, cancel);
            status = await job.GetStatus();
        }
        if (status.State != JobState.Completed)
        {
            throw new InvalidOperationException($"bench job {spec.JobId} ended {status.State}: {status.Failure}");
        }
        return new BenchRow(mode, string.Join(",", spec.Rules), sampler.MedianSamplesPerSecond(), sampler.Intervals, RssMiB());
    }

    private static double RssMiB()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / (1024.0 * 1024.0);
    }

    private sealed record BenchRow(string Mode, string Rule, double SamplesPerSecond, int Intervals, double RssMiB)
    {
        public string Line(double baseline) => string.Create(CultureInfo.InvariantCulture,
            $"{Mode} {Rule}: {SamplesPerSecond:N0} samples/s ({SamplesPerSecond / baseline:0.00}x in-process) over {Intervals} intervals, RSS {RssMiB:N0} MiB");
    }
}
