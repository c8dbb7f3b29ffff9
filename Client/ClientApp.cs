using Countercurrent.Client.Commands;
using Countercurrent.Contracts.Grains;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Models;
using Countercurrent.Learning.Rules;

namespace Countercurrent.Client;

/// <summary>The `countercurrent` command line: parses, dispatches to a command, maps failures to exit codes.</summary>
public static class ClientApp
{
    private static readonly HashSet<string> Flags = ["in-process", "json", "no-bias", "help", "no-embedded", "no-pin", "latest"];

    public const string Usage = """
        usage: countercurrent <command> [options]

        commands (ADDR: redis://host:port, or host:port[,host:port...] of silo gateways; [127.0.0.1:30000] except for train):
          train     train a network          train [options]   (embedded silo by default; --in-process: no Orleans;
                                             --cluster ADDR: submit to a cluster and follow the job; Ctrl-C cancels it)
          jobs      list a cluster's jobs    jobs [--cluster ADDR] [--json]
          status    show a job's status      status <job-id> [--cluster ADDR] [--json] [--plot FILE.png]
          watch     follow a job until it ends (Ctrl-C stops watching; the job goes on)
                                             watch <job-id> [--cluster ADDR] [--json]
          cancel    cancel a job             cancel <job-id> [--cluster ADDR] [--json]
          resume    wake a running job's coordinator now (after a restart it wakes by itself within 10 s)
                                             resume <job-id> [--cluster ADDR] [--json]
          export    write a finished job's model (spec.json, model.json, layer-i.bin; --latest: a running job's
                                             latest checkpoint; DIR new, empty or an export, which is replaced)
                                             export <job-id> --out DIR [--latest] [--cluster ADDR]
          eval      test accuracy of an exported model, or of a job (exported first)
                                             eval <DIR | job-id> [--cluster ADDR] [--dataset NAME] [--data-dir DIR] [--max-eval N] [--json]
          bench     samples/s in process, on an embedded silo and on N local silo processes, same spec, one run
                    (train options, plus --epochs N [1] of --steps N [300] each (at most an epoch's batches), --warmup N [50]; --rules a,b benches each rule in turn;
                     --processes 1,2,3 adds runs on that many silo processes, each on its own share of the cores (--no-pin: not pinned),
                     and a run of as many independent in-process trainers at once; --no-embedded skips the embedded silo;
                     --rounds N [1] runs every mode N times, alternating, and reports the median of the rounds' ratios;
                     with --processes 1,N the 'x 1 proc' column is N processes' speedup over one; --json: a JSON array)
          help      this text (also --help)

        train options (defaults in brackets; see README.md):
          --cluster ADDR         submit to a running cluster instead of an embedded silo
          --in-process           run the layers in this process, without Orleans (the baseline)
          --spec FILE            job spec as JSON (options below override it)
          --dataset NAME         fashion-mnist | mnist | synthetic [fashion-mnist]
          --data-dir DIR         folder of the IDX files [/usr/share/datasets/<dataset>]
          --synthetic-samples N  training samples of the synthetic dataset
          --model SPEC           mlp:784-1024-1024-10 | mlp:784-256x5-10 | cnn:c32k5m2-c64k5m2-1024-10
                                 (with --rule noprop, mlp:784-256x10-10 is ten denoising blocks of width 256)
          --activation NAME      relu | elu | tanh | none [relu]
          --no-bias              layers without bias
          --rule NAME[,NAME...]  learning rule for all layers, or one per layer [backprop]
                                 backprop | fa | dfa | ccl | local-aux | ff | noprop
          --aux-head KIND        local-aux classifiers: linear (DGL) | augmented (AugLocal) [linear]
          --aux-depth N          augmented heads: layers copied into the bottom layer's head [2]
          --optimizer NAME       sgd | adam [adam]       --lr X [0.001]   --momentum X [0]   --weight-decay X [0]
          --grad-clip X          clip each layer's gradient norm (0: off) [0]
          --batch-size N [128]   --epochs N [2]   --seed N [1]   --steps-in-flight N [1]
          --max-steps N          limit training steps per epoch (0: all)   --max-eval N  limit test (and validation) samples
          --validation F         hold out this fraction of the training set (0..0.5) for validation; the job ends
                                 with the weights of the epoch with the lowest validation loss [0]
          --checkpoint-every N   also checkpoint every N steps (always at the start and after every epoch) [0]
          --job-id ID            name the job (default: generated)
          --trace-every N        trace one training step in N (0: none) [100]
          --threads N            torch threads in this process [all cores]
          --json                 print one JSON object at the end (progress goes to stderr)
          --plot FILE.png        where to write the learning curve [runs/<job-id>/learning-curve.png]

        exit codes: 0 done, 1 the job failed, 2 the command line or spec was refused, or the --plot file could not be
        written (the result is printed first), 3 the cluster is unreachable or lost, or the job unknown, 4 the job was cancelled
        """;

    public static async Task<int> RunAsync(string[] argv)
    {
        CommandLineArgs args;
        try
        {
            args = new CommandLineArgs(argv, Flags);
        }
        catch (UsageException e)
        {
            return Refuse(e.Message);
        }
        if (args.Command is "" or "help" || args.Flag("help"))
        {
            Console.Out.WriteLine(Usage);
            return args.Command == "" && !args.Flag("help") ? ExitCodes.Usage : ExitCodes.Success;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            return args.Command switch
            {
                "train" => await TrainCommand.RunAsync(args, cancel.Token),
                "jobs" or "status" or "watch" or "cancel" or "resume" => await JobCommands.RunAsync(args, cancel.Token),
                "export" => await ModelCommands.ExportAsync(args, cancel.Token),
                "eval" => await ModelCommands.EvalAsync(args, cancel.Token),
                "bench" => await BenchCommand.RunAsync(args, cancel.Token),
                _ => throw new UsageException($"unknown command '{args.Command}'"),
            };
        }
        catch (UsageException e)
        {
            return Refuse(e.Message);
        }
        catch (JobSpecException e)
        {
            return Refuse($"invalid job spec: {e.Message}");
        }
        catch (Grains.Checkpoints.CheckpointMissingException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (DataFormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (LayerStepException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.JobFailed;
        }
        catch (ClusterUnavailableException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (Exception e) when (e is OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException)
        {
            // A single call (status, cancel, resume, jobs) made after the last gateway went away.
            Console.Error.WriteLine($"error: lost the cluster: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
    }

    private static int Refuse(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine("run 'countercurrent help' for usage");
        return ExitCodes.Usage;
    }
}
