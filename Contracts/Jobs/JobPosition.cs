namespace Countercurrent.Contracts.Jobs;

/// <summary>
/// Where a job is, as people count: epoch <see cref="Epoch"/> of <see cref="Epochs"/> (1-based, the one being worked
/// on, or the last one trained when the job stopped at an epoch's end) and step <see cref="Step"/> of
/// <see cref="StepsPerEpoch"/> within it. A job that trained all its epochs is at epoch M of M, its last step.
/// </summary>
public sealed record JobPosition(int Epoch, int Epochs, long Step, long StepsPerEpoch)
{
    public static JobPosition Of(JobStatus status)
    {
        var epochs = status.Spec?.Epochs ?? 0;
        // At an epoch's end the status points at the next epoch's first step: a job that goes on is there, one that
        // stopped (or has no next epoch) is still at the end of the epoch it trained.
        var atEpochEnd = status.StepInEpoch == 0 && status.Epoch > 0 && (status.IsFinished || status.Epoch >= epochs);
        return atEpochEnd
            ? new JobPosition(status.Epoch, epochs, status.StepsPerEpoch, status.StepsPerEpoch)
            : new JobPosition(Math.Min(status.Epoch + 1, Math.Max(epochs, 1)), epochs, status.StepInEpoch, status.StepsPerEpoch);
    }

    public override string ToString() => $"epoch {Epoch}/{Epochs}, step {Step}/{StepsPerEpoch}";
}
