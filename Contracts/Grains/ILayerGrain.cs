using Countercurrent.Contracts.Signals;

namespace Countercurrent.Contracts.Grains;

/// <summary>
/// One layer of one job, keyed "jobId/index": owns its modules, optimizer, rule and device, and exchanges only forward
/// and feedback signals with its neighbours. Each call returns when everything the signal set off downstream is done.
/// </summary>
[Alias("cc.ILayerGrain")]
public interface ILayerGrain : IGrainWithStringKey
{
    /// <summary>Builds the layer (idempotent for the same setup).</summary>
    [Alias("Configure")]
    Task<LayerPlacementInfo> Configure(LayerSetup setup);

    /// <summary>Handles the activation of the layer below (or the batch, for layer 0) and passes its own up.</summary>
    [Alias("Forward")]
    Task<StepReport> Forward(ForwardSignal signal);

    /// <summary>Handles a feedback signal from above and passes its own down.</summary>
    [Alias("Feedback")]
    Task<StepReport> Feedback(FeedbackSignal signal);

    /// <summary>
    /// Where this layer's silo takes signals over a signal link ("address:port"), or null when it takes them through
    /// grain calls only. Also activates the layer's grain, as any call does.
    /// </summary>
    [Alias("GetSignalEndpoint")]
    Task<string?> GetSignalEndpoint();

    /// <summary>The layer's full state (weights, optimizer state, rule state) as bytes.</summary>
    [Alias("SaveState")]
    Task<byte[]> SaveState();

    /// <summary>Writes the layer's full state to the checkpoint store under <paramref name="checkpoint"/>.</summary>
    [Alias("SaveCheckpoint")]
    Task SaveCheckpoint(long checkpoint);

    /// <summary>Replaces the layer's state (and drops any per-step state) with what it wrote for <paramref name="checkpoint"/>.</summary>
    [Alias("RestoreCheckpoint")]
    Task RestoreCheckpoint(long checkpoint);

    /// <summary>The memory of the process hosting this layer, and the payload bytes this layer has sent since it was configured.</summary>
    [Alias("GetResources")]
    Task<LayerResources> GetResources();

    /// <summary>Makes the layer fail when it handles a signal of this step: for testing failure handling.</summary>
    [Alias("ArmFault")]
    Task ArmFault(long step);

    /// <summary>
    /// Makes the layer drop its state when a signal of this step reaches it, once, as if its silo had died and it had
    /// been reactivated empty: for testing recovery.
    /// </summary>
    [Alias("ArmStateLoss")]
    Task ArmStateLoss(long step);

    /// <summary>Frees the layer's tensors and deactivates the grain.</summary>
    [Alias("Release")]
    Task Release();
}
