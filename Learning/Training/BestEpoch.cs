using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Learning.Training;

/// <summary>
/// Picks the epoch whose model a job keeps when it holds out a validation set: the one with the lowest validation loss,
/// the earlier one on a tie (the CCL reference code reports the test accuracy of that epoch; Keras'
/// restore_best_weights keeps its weights). SGD at a high learning rate swings by points from epoch to epoch, so the
/// last epoch is often not the best one.
/// </summary>
public static class BestEpoch
{
    /// <summary>The epoch with the lowest validation loss; null when no epoch has one (no validation set).</summary>
    public static EpochResult? Of(IReadOnlyList<EpochResult> history)
    {
        EpochResult? best = null;
        foreach (var epoch in history)
        {
            if (epoch.ValidationLoss is { } loss && !double.IsNaN(loss) && (best is null || loss < best.ValidationLoss!.Value))
            {
                best = epoch;
            }
        }
        return best;
    }

    /// <summary>Whether the last epoch of <paramref name="history"/> is the best so far (a new best's weights must be kept).</summary>
    public static bool LastIsBest(IReadOnlyList<EpochResult> history) =>
        history.Count > 0 && ReferenceEquals(Of(history), history[^1]);
}
