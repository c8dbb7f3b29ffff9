using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Countercurrent.Client.Processes;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Grains.Layers;
using Countercurrent.Learning;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Telemetry;
using Countercurrent.Learning.Training;

namespace Countercurrent.Client.Commands;

/// <summary>
/// `bench`: the same spec, back to back in one invocation: in process, on an embedded silo, and on N silo processes
/// on this machine (--processes 1,2,3; torch threads split between them), for each rule asked for, in --rounds rounds
/// that alternate the modes. Reports the median samples/s over intervals after a warm-up, the ratio to in-process (the
/// median of the rounds' ratios), N processes' speedup over one, and per epoch the RSS and live tensors of every
/// process that hosts layers.
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
        var rounds = args.Int("rounds") ?? 1;
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
        if (rounds < 1)
        {
            throw new UsageException($"--rounds ({rounds}) must be at least 1");
        }
        if (epochs < 1)
        {
            throw new UsageException($"--epochs ({epochs}) must be at least 1");
        }
        baseSpec = baseSpec with { Epochs = epochs, MaxStepsPerEpoch = steps, MaxEvalSamples = baseSpec.BatchSize, TraceEvery = 0 };
        JobSpecValidator.Validate(baseSpec with { JobId = "bench" });
        TorchRuntime.SetThreads(threads);
        var data = DatasetCatalog.Load(baseSpec);
        // --steps is at most an epoch's batches.
        var stepsPerEpoch = new BatchOrder(data.Train.Count, baseSpec.BatchSize, baseSpec.Seed, 0, maxSteps: steps).StepCount;
        // Every host starts once and serves every rule and round, so that rounds are cheap and alike.
        await using var hosts = new BenchHosts(threads, pin, cancel);
        // The in-process trainers run on threads kept for the whole bench, as a silo keeps its layers' threads, so a
        // round's memory figures carry less of the rounds before. In-process RSS over four rounds of ccl with the
        // two-trainer ceiling between them: 457, 758, 760, 993 MiB with a new thread per trainer, 464, 587, 587, 720
        // with kept threads (what remains comes with each ceiling round: two trainers at once on two malloc arenas).
        var trainerThreads = new TensorThreadPool();
        var rows = new List<BenchRow>();
        foreach (var rules in compared)
        {
            var spec = baseSpec with { Rules = rules };
            var modes = new List<(string Mode, Func<Task<BenchRun>> Run)> { ("in-process", () => OnTrainerThread(trainerThreads, "in-process", () => InProcess(spec, data, ThreadsEach(threads, 1), stepsPerEpoch, warmup, cancel))) };
            if (embeddedToo)
            {
                modes.Add(("embedded", () => hosts.WithJob(async job => await OnSilo(await hosts.Embedded(), spec with { JobId = job }, stepsPerEpoch, warmup, cancel))));
            }
            if (processes.Length > 0 && processes.Max() > 1)
            {
                var widest = processes.Max();
                modes.Add(($"{widest} x in-proc {ThreadsEach(threads, widest)}t", () => ParallelCeiling(trainerThreads, spec, data, widest, threads, stepsPerEpoch, warmup, cancel)));
            }
            foreach (var count in processes)
            {
                // Split the cores so that the silos together use as many torch threads as the in-process run.
                var each = ThreadsEach(threads, count);
                modes.Add((ProcessMode(count), () => hosts.WithJob(async job => await OnSilo(await hosts.Processes(count, each), spec with { JobId = job }, stepsPerEpoch, warmup, cancel))));
            }
            var runs = modes.ToDictionary(m => m.Mode, _ => new List<BenchRun>());
            for (var round = 0; round < rounds; round++)
            {
                // Every other round in reverse order, so that a drift of the machine's speed over the rounds does not
                // favour the modes that come first.
                foreach (var (mode, run) in round % 2 == 0 ? modes : Enumerable.Reverse(modes))
                {
                    var result = await run();
                    runs[mode].Add(result);
                    var line = rounds > 1 ? $"round {round + 1}/{rounds}: " : "";
                    Console.Error.WriteLine(line + result.Line(mode, string.Join(",", rules)));
                }
            }
            var baseline = runs["in-process"];
            // Layer parallelism: N silo processes against one, each with its share of the cores.
            var oneProcess = processes.Contains(1) ? runs[ProcessMode(1)] : null;
            var processModes = processes.Select(ProcessMode).ToHashSet();
            rows.AddRange(modes.Select(m => new BenchRow(m.Mode, string.Join(",", rules), runs[m.Mode], baseline,
                processModes.Contains(m.Mode) ? oneProcess : null)));
        }
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(rows.Select(r => new
            {
                r.Mode,
                r.Rule,
                SamplesPerSecond = NullIfNaN(r.SamplesPerSecond),
                ratioToInProcess = NullIfNaN(r.Ratio),
                speedupOverOneProcess = NullIfNaN(r.SpeedupOverOneProcess),
                roundSamplesPerSecond = r.Runs.Select(x => NullIfNaN(x.SamplesPerSecond)),
                roundRatios = r.RoundRatios.Select(NullIfNaN),
                r.Intervals,
                rssMiBPerEpoch = r.Last.RssMiB,
                rssMiBPerEpochByProcess = r.Last.RssByProcess,
                liveTensorsPerEpoch = r.Last.LiveTensors,
                rssGrowthPercent = NullIfNaN(r.Last.RssGrowthPercent),
                r.Last.BytesPerStep,
            }), new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        }
        else
        {
            if (rounds > 1)
            {
                Console.Out.WriteLine($"{rounds} rounds: samples/s is the median of the rounds' figures, ratio the median of the rounds' ratios; memory from the last round");
            }
            Console.Out.WriteLine($"{"mode",-14} {"rule",-10} {"samples/s",10} {"ratio",7} {"x 1 proc",8} {"intervals",9} {"RSS MiB (last)",15} {"RSS growth",10} {"tensors",12} {"KiB/step",9}");
            foreach (var r in rows)
            {
                var last = r.Last;
                var tensors = last.LiveTensors.Length > 0 ? $"{last.LiveTensors[0]}->{last.LiveTensors[^1]}" : "-";
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Mode,-14} {r.Rule,-10} {r.SamplesPerSecond,10:N0} {r.Ratio,7:0.00} {(double.IsNaN(r.SpeedupOverOneProcess) ? "-" : r.SpeedupOverOneProcess.ToString("0.00", CultureInfo.InvariantCulture)),8} {r.Intervals,9} {(last.RssMiB.Length > 0 ? last.RssMiB[^1].ToString("N0", CultureInfo.InvariantCulture) : "-"),15} {(double.IsNaN(last.RssGrowthPercent) ? "-" : last.RssGrowthPercent.ToString("0.0", CultureInfo.InvariantCulture) + "%"),10} {tensors,12} {last.BytesPerStep / 1024,9:N0}"));
            }
        }
        return ExitCodes.Success;

        string ProcessMode(int count) => $"{count} proc x{ThreadsEach(threads, count)}t";
    }

    private static int ThreadsEach(int threads, int processes) => Math.Max(1, (threads > 0 ? threads : Environment.ProcessorCount) / processes);

    /// <summary>A figure that could not be measured (too few intervals, no memory readings) is null in the JSON.</summary>
    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;

    /// <param name="torchThreads">Set on the calling thread first: after an await the bench goes on on a thread-pool
    /// thread, and a thread's first torch call takes the count the process last set on any thread (an embedded layer's
    /// follow-up sets 1, so do the parallel ceiling's trainers). Unset, an in-process run after the ceiling's rows
    /// trained with one thread: ccl at 7,245-7,663 samples/s instead of 9,136-9,909.</param>
    private static BenchRun InProcess(JobSpec spec, DatasetPair data, int torchThreads, int stepsPerEpoch, int warmup, CancellationToken cancel)
    {
        TorchRuntime.SetThreadsOfThisThread(torchThreads);
        using var trainer = new InProcessTrainer(spec with { JobId = "bench" }, data);
        var sampler = new ThroughputSampler(spec.BatchSize, warmup, stepsPerEpoch);
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
        return new BenchRun(sampler.MedianSamplesPerSecond(), sampler.Intervals, memory, 0);
    }

    /// <summary>Runs <paramref name="work"/> on a thread leased from <paramref name="threads"/>, given back afterwards.</summary>
    private static async Task<T> OnTrainerThread<T>(TensorThreadPool threads, string name, Func<T> work)
    {
        using var thread = threads.Rent(name, cores: null);
        return await thread.Run(work);
    }

    /// <summary>
    /// What this machine gives N copies of the work with no communication at all: N in-process trainers at once, each
    /// on its own thread with its share of the torch threads, summed. N silo processes splitting one job's layers cannot
    /// beat it; the ratio of the two is the cost of splitting (communication, waiting on each other, imbalance).
    /// </summary>
    private static async Task<BenchRun> ParallelCeiling(TensorThreadPool threads, JobSpec spec, DatasetPair data, int count, int torchThreads, int stepsPerEpoch, int warmup, CancellationToken cancel)
    {
        var each = ThreadsEach(torchThreads, count);
        var leases = Enumerable.Range(0, count).Select(k => threads.Rent($"ceiling-{k}", cores: null)).ToList();
        try
        {
            var trainers = leases.Select(thread => thread.Run(() => InProcess(spec, data, each, stepsPerEpoch, warmup, cancel))).ToList();
            try
            {
                await Task.WhenAll(trainers);
            }
            catch (Exception) when (!cancel.IsCancellationRequested)
            {
                var failure = trainers.First(t => t.IsFaulted).Exception!.InnerException!;
                throw new InvalidOperationException($"a trainer of the parallel ceiling failed: {failure.Message}", failure);
            }
            // No memory figures: each trainer's snapshots would count the other's tensors mid-step.
            return new BenchRun(trainers.Sum(t => t.Result.SamplesPerSecond), trainers.Min(t => t.Result.Intervals), [], 0);
        }
        finally
        {
            leases.ForEach(lease => lease.Dispose());
        }
    }

    private static async Task<BenchRun> OnSilo(ClusterConnection connection, JobSpec spec, int stepsPerEpoch, int warmup, CancellationToken cancel)
    {
        var job = connection.Client.GetGrain<IJobGrain>(spec.JobId);
        var sampler = new ThroughputSampler(spec.BatchSize, warmup, stepsPerEpoch);
        var total = (long)stepsPerEpoch * spec.Epochs;
        var status = await job.Start(spec);
        // Polled every 0.1 s so that the warm-up's end and the last step are seen within 0.1 s; observed (as in
        // process) when the warm-up is over, then every 0.5 s, then at the last step.
        var sinceObserved = Stopwatch.StartNew();
        while (!status.IsFinished && status.StepsDone < total)
        {
            await Task.Delay(100, cancel);
            status = await job.GetStatus();
            if (status.StepsDone >= warmup && !sampler.Started || sinceObserved.Elapsed.TotalSeconds >= 0.5 || status.StepsDone >= total)
            {
                sampler.Observe(status.StepsDone);
                sinceObserved.Restart();
            }
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
        return new BenchRun(sampler.MedianSamplesPerSecond(), sampler.Intervals, memory,
            steps > 0 ? status.History.Sum(h => h.BytesSent) / (double)steps : 0);
    }

    /// <summary>One mode's figures over the rounds, against the in-process runs of the same rounds.</summary>
    private sealed record BenchRow(string Mode, string Rule, List<BenchRun> Runs, List<BenchRun> Baseline, List<BenchRun>? OneProcess)
    {
        public double SamplesPerSecond => Median.Of(Runs.Select(r => r.SamplesPerSecond));

        /// <summary>Each round's samples/s over that round's in-process figure.</summary>
        public double[] RoundRatios => Runs.Zip(Baseline, (r, b) => r.SamplesPerSecond / b.SamplesPerSecond).ToArray();

        /// <summary>The median of the rounds' ratios: a drift of the machine's speed from round to round cancels out of each round's ratio.</summary>
        public double Ratio => Median.Of(RoundRatios);

        /// <summary>For N silo processes: the median over the rounds of N processes' samples/s over one process's (NaN for other modes).</summary>
        public double SpeedupOverOneProcess => OneProcess is null ? double.NaN
            : Median.Of(Runs.Zip(OneProcess, (r, one) => r.SamplesPerSecond / one.SamplesPerSecond));

        public int Intervals => Runs.Sum(r => r.Intervals);

        public BenchRun Last => Runs[^1];
    }
}
