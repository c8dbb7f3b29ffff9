using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Jobs;

/// <summary>Epoch and step as status, jobs and train's live view print them: 1-based, and a finished job at its last step.</summary>
public sealed class JobPositionTests
{
    private static JobStatus Status(JobState state, int epochsDone, long stepInEpoch) => new()
    {
        JobId = "p",
        State = state,
        Spec = new JobSpec { Epochs = 2 },
        Epoch = epochsDone,
        StepInEpoch = stepInEpoch,
        StepsPerEpoch = 100,
    };

    [Theory]
    [InlineData(JobState.Running, 0, 0, 1, 0)]
    [InlineData(JobState.Running, 0, 37, 1, 37)]
    [InlineData(JobState.Running, 0, 100, 1, 100)]
    [InlineData(JobState.Running, 1, 0, 2, 0)]
    [InlineData(JobState.Running, 1, 50, 2, 50)]
    [InlineData(JobState.Running, 2, 0, 2, 100)]
    [InlineData(JobState.Completed, 2, 0, 2, 100)]
    [InlineData(JobState.Cancelled, 1, 0, 1, 100)]
    [InlineData(JobState.Cancelled, 1, 37, 2, 37)]
    [InlineData(JobState.Failed, 0, 12, 1, 12)]
    public void The_position_is_the_epoch_being_worked_on_or_the_last_one_trained(JobState state, int epochsDone, long stepInEpoch, int epoch, long step)
    {
        var position = Status(state, epochsDone, stepInEpoch).Position();

        Assert.Equal(new JobPosition(epoch, 2, step, 100), position);
        Assert.Equal($"epoch {epoch}/2, step {step}/100", position.ToString());
    }

    [Fact]
    public void No_accuracy_is_reported_before_an_epoch_was_evaluated()
    {
        var status = Status(JobState.Running, 0, 10);

        Assert.Null(status.LatestTestAccuracy());
        Assert.Equal(0.8, (status with { History = [new EpochResult(1, [], 0.8, 0.5, 1000, 1)] }).LatestTestAccuracy());
    }
}
