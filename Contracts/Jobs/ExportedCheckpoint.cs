using Countercurrent.Contracts.Grains;

namespace Countercurrent.Contracts.Jobs;

/// <summary>
/// The committed checkpoint `export` writes out for a job, with what it holds in words. A completed job exports its
/// model (the best epoch's weights with a validation split, else the last epoch's); a cancelled or failed job with at
/// least one completed epoch, its last committed checkpoint. Anything else (a running job, or a stopped one that never
/// completed an epoch) is refused unless the latest checkpoint is asked for explicitly.
/// </summary>
public sealed record ExportedCheckpoint(CheckpointInfo Checkpoint, string Description)
{
    /// <exception cref="JobStateException">The job has no checkpoint to export, or has not finished and <paramref name="latest"/> is false.</exception>
    public static ExportedCheckpoint Choose(JobStatus status, bool latest)
    {
        var epochs = status.Spec?.Epochs ?? 0;
        var last = status.Checkpoint;
        if (status.State == JobState.Completed && status.ModelCheckpoint() is { } model)
        {
            return new ExportedCheckpoint(model, status.Best is not null
                ? $"checkpoint {model.Id}, the weights after epoch {model.Epoch} of {epochs}, the epoch with the lowest validation loss (the job's final weights)"
                : $"checkpoint {model.Id}, the weights after epoch {model.Epoch} of {epochs} (the job's final weights)");
        }
        if (last is null)
        {
            throw new JobStateException(status.JobId, status.State, $"job {status.JobId} is {status.State} ({status.Position()}) and has no committed checkpoint to export");
        }
        if (latest)
        {
            return new ExportedCheckpoint(last, $"its latest checkpoint ({last.Id}), {Holding(last, epochs)}; the job is {status.State}");
        }
        if (status.State is JobState.Cancelled or JobState.Failed && last.Epoch >= 1)
        {
            return new ExportedCheckpoint(last, $"its last checkpoint ({last.Id}), {Holding(last, epochs)}; the job was {status.State}");
        }
        var why = status.IsFinished
            ? $"job {status.JobId} was {status.State} at {status.Position()}, before any epoch completed"
            : $"job {status.JobId} is {status.State} ({status.Position()})";
        throw new JobStateException(status.JobId, status.State,
            $"{why}; export takes a finished job (completed, or cancelled or failed after at least one epoch). " +
            $"Add --latest to export its latest checkpoint ({last.Id}: {Holding(last, epochs)})");
    }

    /// <summary>What a checkpoint's weights have been trained on, e.g. "the weights after epoch 1 of 3 and 20 steps of epoch 2".</summary>
    private static string Holding(CheckpointInfo c, int epochs) => (c.Epoch, c.StepInEpoch) switch
    {
        (0, 0) => "the initial weights (no step trained)",
        (0, var steps) => $"the weights after {steps} step(s) of epoch 1 of {epochs}",
        (var done, 0) => $"the weights after epoch {done} of {epochs}",
        (var done, var steps) => $"the weights after epoch {done} of {epochs} and {steps} step(s) of epoch {done + 1}",
    };
}
