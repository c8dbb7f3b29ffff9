using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Countercurrent.Client.Processes;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Telemetry;
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
        var epochs = args.Int("epochs") ?? 1;
        var warmup = args.Int("warmup") ?? 50;
        var threads = args.Int("threads") ?? 0;
        var json = args.Flag("json");
        var processes = args.String("processes") is { } counts
            ? counts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => int.TryParse(c, out var n) && n > 0 ? n : throw new UsageException($"--processes: '{c}' is not a positive count")).ToArray()
            : [];
        var embeddedToo = !args.Flag("no-embedded");
        // Each silo process on its own cores (runtime threads included), so "N processes x M threads" uses N x M cores.
        var pin = !args.Flag("no-pin");
        var compared = args.String("rules") is { } list
            ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(r => new[] { r }).ToList()
            : [baseSpec.Rules];
        args.RefuseUnread();
        if (steps <= warmup)
        {
            throw new UsageException($"--steps ({steps}) must be larger than --warmup ({warmup})");
        }
        if (epochs < 1)
        {
            throw new UsageException($"--epochs ({epochs}) must be at least 1");
        }
        baseSpec = baseSpec with { Epochs = epochs, MaxStepsPerEpoch = steps, MaxEvalSamples = baseSpec.BatchSize, TraceEvery = 0 };
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
            if (processes.Length > 0 && processes.Max() > 1)
            {
                var ceiling = ParallelCeiling(spec, data, processes.Max(), threads, warmup, cancel);
                rows.Add(ceiling);
                Console.Error.WriteLine(ceiling.Line(inProcess.SamplesPerSecond));
            }
            foreach (var count in processes)
            {
                // Split the cores so that the silos together use as many torch threads as the in-process run.
                var each = Math.Max(1, (threads > 0 ? threads : Environment.ProcessorCount) / count);
                await using var cluster = await LocalSiloCluster.Start(count, each, cancel, pin);
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
                SamplesPerSecond = NullIfNaN(r.SamplesPerSecond),
                ratioToInProcess = NullIfNaN(r.SamplesPerSecond / rows.First(x => x.Rule == r.Rule && x.Mode == "in-process").SamplesPerSecond),
                r.Intervals,
                rssMiBPerEpoch = r.RssMiB,
                rssMiBPerEpochByProcess = r.RssByProcess,
                liveTensorsPerEpoch = r.LiveTensors,
                rssGrowthPercent = NullIfNaN(r.RssGrowthPercent),
                r.BytesPerStep,
            }), new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        }
        else
        {
            Console.Out.WriteLine($"{"mode",-14} {"rule",-10} {"samples/s",10} {"ratio",7} {"intervals",9} {"RSS MiB (last)",15} {"RSS growth",10} {"tensors",12} {"KiB/step",9}");
            foreach (var r in rows)
            {
                var baseline = rows.First(x => x.Rule == r.Rule && x.Mode == "in-process").SamplesPerSecond;
                var tensors = r.LiveTensors.Length > 0 ? $"{r.LiveTensors[0]}->{r.LiveTensors[^1]}" : "-";
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Mode,-14} {r.Rule,-10} {r.SamplesPerSecond,10:N0} {r.SamplesPerSecond / baseline,7:0.00} {r.Intervals,9} {(r.RssMiB.Length > 0 ? r.RssMiB[^1].ToString("N0", CultureInfo.InvariantCulture) : "-"),15} {(double.IsNaN(r.RssGrowthPercent) ? "-" : r.RssGrowthPercent.ToString("0.0", CultureInfo.InvariantCulture) + "%"),10} {tensors,12} {r.BytesPerStep / 1024,9:N0}"));
            }
        }
        return ExitCodes.Success;
    }

    /// <summary>A figure that could not be measured (too few intervals, no memory readings) is null in the JSON.</summary>
    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;

    private static BenchRow InProcess(JobSpec spec, DatasetPair data, int warmup, CancellationToken cancel)
    {
        using var trainer = new InProcessTrainer(spec with { JobId = "bench" }, data);
        var sampler = new ThroughputSampler(spec.BatchSize, warmup);
        var memory = new List<ProcessResources[]>();
        var lastObservation = Stopwatch.StartNew();
        long done = 0;
        for (var epoch = 0; epoch < spec.Epochs; epoch++)
        {
            var order = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, epoch, maxSteps: spec.MaxStepsPerEpoch);
            for (var s = 0; s < order.StepCount; s++)
            {
                cancel.ThrowIfCancellationRequested();
                trainer.TrainStep(done, data.Train, order.Batch(s));
                done++;
                if (done == warmup || lastObservation.Elapsed.TotalSeconds >= 0.5 || s + 1 == order.StepCount)
                {
                    sampler.Observe(done);
                    lastObservation.Restart();
                }
            }
            memory.Add([ProcessMemory.Snapshot("in-process")]);
        }
        return new BenchRow("in-process", string.Join(",", spec.Rules), sampler.MedianSamplesPerSecond(), sampler.Intervals, memory, 0);
    }

    /// <summary>
    /// What this machine gives N copies of the work with no communication at all: N in-process trainers at once, each
    /// on its own thread with its share of the torch threads, summed. N silo processes splitting one job's layers cannot
    /// beat it; the ratio of the two is the cost of splitting (communication, waiting on each other, imbalance).
    /// </summary>
    private static BenchRow ParallelCeiling(JobSpec spec, DatasetPair data, int count, int threads, int warmup, CancellationToken cancel)
    {
        var each = Math.Max(1, (threads > 0 ? threads : Environment.ProcessorCount) / count);
        var rates = new double[count];
        var intervals = new int[count];
        var failures = new Exception?[count];
        var workers = Enumerable.Range(0, count).Select(k => new Thread(() =>
        {
            try
            {
                TorchRuntime.SetThreadsOfThisThread(each);
                var row = InProcess(spec, data, warmup, cancel);
                rates[k] = row.SamplesPerSecond;
                intervals[k] = row.Intervals;
            }
            catch (Exception e)
            {
                failures[k] = e;
            }
        }) { Name = $"ceiling-{k}" }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        cancel.ThrowIfCancellationRequested();
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            throw new InvalidOperationException($"a trainer of the parallel ceiling failed: {failure.Message}", failure);
        }
        // No memory figures: each trainer's snapshots would count the other's tensors mid-step.
        return new BenchRow($"{count} x in-proc {each}t", string.Join(",", spec.Rules), rates.Sum(), intervals.Min(), [], 0);
    }

    private static async Task<BenchRow> OnSilo(string mode, ClusterConnection connection, JobSpec spec, int warmup, CancellationToken cancel)
    {
        var job = connection.Client.GetGrain<IJobGrain>(spec.JobId);
        var sampler = new ThroughputSampler(spec.BatchSize, warmup);
        var status = await job.Start(spec);
        while (!status.IsFinished && status.StepsDone < (long)spec.MaxStepsPerEpoch * spec.Epochs)
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
        var memory = status.History.Select(h => h.Resources ?? []).ToList();
        var steps = status.StepsDone;
        return new BenchRow(mode, string.Join(",", spec.Rules), sampler.MedianSamplesPerSecond(), sampler.Intervals, memory,
            steps > 0 ? status.History.Sum(h => h.BytesSent) / (double)steps : 0);
    }

    /// <summary>One mode's figures; memory holds, per epoch, every process that hosts layers.</summary>
    private sealed record BenchRow(string Mode, string Rule, double SamplesPerSecond, int Intervals, List<ProcessResources[]> Memory, double BytesPerStep)
    {
        /// <summary>Total RSS of the processes hosting layers, per epoch.</summary>
        public double[] RssMiB => Memory.Select(e => e.Sum(p => p.RssMiB)).ToArray();

        public long[] LiveTensors => Memory.Select(e => e.Sum(p => p.LiveTensors)).ToArray();

        /// <summary>Each process's RSS per epoch (null for an epoch it did not report), by process name.</summary>
        public Dictionary<string, double?[]> RssByProcess => Memory.SelectMany(e => e.Select(p => p.Process)).Distinct().Order(StringComparer.Ordinal)
            .ToDictionary(name => name, name => Memory.Select(e => e.FirstOrDefault(p => p.Process == name)?.RssMiB).ToArray());

        /// <summary>RSS growth from the end of epoch 2 (or 1) to the last epoch, in percent.</summary>
        public double RssGrowthPercent
        {
            get
            {
                var rss = RssMiB;
                var from = rss.Length > 2 ? rss[1] : rss.Length > 0 ? rss[0] : double.NaN;
                return rss.Length > 0 ? (rss[^1] - from) / from * 100 : double.NaN;
            }
        }

        public string Line(double baseline) => string.Create(CultureInfo.InvariantCulture,
            $"{Mode} {Rule}: {SamplesPerSecond:N0} samples/s ({SamplesPerSecond / baseline:0.00}x in-process) over {Intervals} intervals; " +
            $"RSS per epoch [{Join(RssMiB.Select(r => (double?)r))}] MiB{EachProcess()}; " +
            $"live tensors [{string.Join(" ", LiveTensors)}]; {BytesPerStep / 1024:N0} KiB sent per step");

        /// <summary>" (silo-1 [..], silo-2 [..])" when several processes host layers, otherwise nothing.</summary>
        private string EachProcess() => RssByProcess is { Count: > 1 } each
            ? $" ({string.Join(", ", each.Select(p => $"{p.Key} [{Join(p.Value)}]"))})"
            : "";

        private static string Join(IEnumerable<double?> mebibytes) =>
            string.Join(" ", mebibytes.Select(r => r?.ToString("N0", CultureInfo.InvariantCulture) ?? "-"));
    }
}
