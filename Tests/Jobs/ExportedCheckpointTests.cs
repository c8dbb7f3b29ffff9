using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Jobs;

/// <summary>Which checkpoint export takes from a job in each state, and the refusals, which say the state, the epoch and what would work.</summary>
public sealed class ExportedCheckpointTests
{
    private static readonly CheckpointInfo Start = new(0, 0, 0, 0, 0, 0, DateTimeOffset.UnixEpoch);
    private static readonly CheckpointInfo AfterEpoch1 = new(3, 1, 0, 100, 1, 20, DateTimeOffset.UnixEpoch);
    private static readonly CheckpointInfo MidEpoch2 = new(4, 1, 30, 130, 1, 26, DateTimeOffset.UnixEpoch);
    private static readonly CheckpointInfo MidEpoch1 = new(1, 0, 30, 30, 0, 6, DateTimeOffset.UnixEpoch);
    private static readonly CheckpointInfo AfterEpoch3 = new(9, 3, 0, 300, 3, 60, DateTimeOffset.UnixEpoch);

    private static JobStatus Job(JobState state, CheckpointInfo? checkpoint, int epochsDone, long stepInEpoch, CheckpointInfo? best = null) => new()
    {
        JobId = "ex",
        State = state,
        Spec = new JobSpec { Epochs = 3 },
        Epoch = epochsDone,
        StepInEpoch = stepInEpoch,
        StepsPerEpoch = 100,
        Checkpoint = checkpoint,
        Best = best,
    };

    [Fact]
    public void A_running_job_is_refused_with_its_state_and_epoch_and_the_way_to_take_its_latest_checkpoint()
    {
        var running = Job(JobState.Running, Start, 0, 40);

        var error = Assert.Throws<JobStateException>(() => ExportedCheckpoint.Choose(running, latest: false));

        Assert.Equal(JobState.Running, error.State);
        Assert.Contains("job ex is Running (epoch 1/3, step 40/100)", error.Message);
        Assert.Contains("export takes a finished job", error.Message);
        Assert.Contains("--latest", error.Message);
        Assert.Contains("the initial weights", error.Message);
    }

    [Fact]
    public void With_latest_a_running_job_exports_its_latest_checkpoint_and_says_which()
    {
        var chosen = ExportedCheckpoint.Choose(Job(JobState.Running, MidEpoch2, 1, 45), latest: true);

        Assert.Equal(MidEpoch2, chosen.Checkpoint);
        Assert.Equal("its latest checkpoint (4), the weights after epoch 1 of 3 and 30 step(s) of epoch 2; the job is Running", chosen.Description);
    }

    [Fact]
    public void A_completed_job_exports_its_model_the_best_epoch_with_a_validation_split()
    {
        Assert.Equal(AfterEpoch3, ExportedCheckpoint.Choose(Job(JobState.Completed, AfterEpoch3, 3, 0), latest: false).Checkpoint);
        var best = ExportedCheckpoint.Choose(Job(JobState.Completed, AfterEpoch3, 3, 0, best: AfterEpoch1), latest: false);
        Assert.Equal(AfterEpoch1, best.Checkpoint);
        Assert.Contains("after epoch 1 of 3, the epoch with the lowest validation loss", best.Description);
    }

    [Theory]
    [InlineData(JobState.Cancelled)]
    [InlineData(JobState.Failed)]
    public void A_stopped_job_with_a_completed_epoch_exports_its_last_checkpoint_and_one_without_is_refused(JobState state)
    {
        var chosen = ExportedCheckpoint.Choose(Job(state, MidEpoch2, 1, 30), latest: false);
        Assert.Equal(MidEpoch2, chosen.Checkpoint);
        Assert.Contains($"after epoch 1 of 3 and 30 step(s) of epoch 2; the job was {state}", chosen.Description);

        var error = Assert.Throws<JobStateException>(() => ExportedCheckpoint.Choose(Job(state, MidEpoch1, 0, 35), latest: false));
        Assert.Contains($"was {state} at epoch 1/3, step 35/100, before any epoch completed", error.Message);
        Assert.Contains("--latest", error.Message);
    }

    [Fact]
    public void A_job_without_a_committed_checkpoint_has_nothing_to_export_even_with_latest()
    {
        var error = Assert.Throws<JobStateException>(() => ExportedCheckpoint.Choose(Job(JobState.Failed, null, 0, 0), latest: true));

        Assert.Contains("no committed checkpoint", error.Message);
    }
}
