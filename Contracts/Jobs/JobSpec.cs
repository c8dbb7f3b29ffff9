namespace Countercurrent.Contracts.Jobs;

/// <summary>
/// Everything that defines a training job. Plain data with commented defaults; it is logged at start, stored with the
/// job's status and in every export, and read from JSON with unknown keys refused. Validation lives in
/// Learning's <c>JobSpecValidator</c> so that client, in-process trainer and job grain refuse the same things.
/// </summary>
[GenerateSerializer, Immutable, Alias("cc.JobSpec")]
public sealed record JobSpec
{
    /// <summary>Job id; letters, digits, '-' and '_' only. Empty: the client picks one.</summary>
    [Id(0)] public string JobId { get; init; } = "";

    /// <summary>fashion-mnist, mnist or synthetic.</summary>
    [Id(1)] public string Dataset { get; init; } = "fashion-mnist";

    /// <summary>Folder with the IDX files; empty: the dataset's default folder.</summary>
    [Id(2)] public string DataDirectory { get; init; } = "";

    /// <summary>Network: <c>mlp:784-1024-1024-10</c> (<c>256x5</c> repeats a width) or <c>cnn:...</c> (see docs/models.md).</summary>
    [Id(3)] public string Model { get; init; } = "mlp:784-1024-1024-10";

    /// <summary>Activation of every hidden layer: relu, elu, tanh or none. The top layer has none.</summary>
    [Id(4)] public string Activation { get; init; } = "relu";

    /// <summary>Whether linear and conv layers have a bias.</summary>
    [Id(5)] public bool Bias { get; init; } = true;

    /// <summary>Learning rule: one name for every layer, or one per layer.</summary>
    [Id(6)] public string[] Rules { get; init; } = ["backprop"];

    /// <summary>sgd or adam.</summary>
    [Id(7)] public string Optimizer { get; init; } = "adam";

    [Id(8)] public double LearningRate { get; init; } = 0.001;

    /// <summary>SGD momentum (0: plain SGD).</summary>
    [Id(9)] public double Momentum { get; init; }

    [Id(10)] public double WeightDecay { get; init; }

    /// <summary>Clip each layer's gradient to this L2 norm; 0: no clipping.</summary>
    [Id(11)] public double GradClip { get; init; }

    [Id(12)] public int BatchSize { get; init; } = 128;

    [Id(13)] public int Epochs { get; init; } = 2;

    [Id(14)] public long Seed { get; init; } = 1;

    /// <summary>How many training steps may be in the pipeline at once (1: strictly sequential).</summary>
    [Id(15)] public int StepsInFlight { get; init; } = 1;

    /// <summary>Checkpoint every this many steps (0: only at epoch ends).</summary>
    [Id(16)] public int CheckpointEvery { get; init; }

    /// <summary>Where each layer runs; empty: spread over the silos.</summary>
    [Id(17)] public LayerPlacement[] Placement { get; init; } = [];

    /// <summary>Limit on training steps per epoch (0: the whole training set); for smoke runs and benchmarks.</summary>
    [Id(18)] public int MaxStepsPerEpoch { get; init; }

    /// <summary>Size of the synthetic dataset's training set (its test set is a fifth of it).</summary>
    [Id(19)] public int SyntheticSamples { get; init; } = 2048;

    /// <summary>Limit on test (and validation) samples evaluated after each epoch (0: the whole set).</summary>
    [Id(20)] public int MaxEvalSamples { get; init; }

    /// <summary>Trace one training step in this many (0: none): that step becomes one trace with a span per layer's forward, feedback and update.</summary>
    [Id(30)] public int TraceEvery { get; init; } = 100;
    /// <summary>
    /// Auxiliary classifier of each <c>local-aux</c> layer: <c>linear</c> (DGL: one linear map, after 2x2 average
    /// pooling for conv layers) or <c>augmented</c> (AugLocal: layers shaped like uniformly sampled layers above it, then
    /// the linear map; shallower towards the top).
    /// </summary>
    [Id(21)] public string AuxHead { get; init; } = "linear";

    /// <summary>Augmented heads only: how many sampled layers the bottom layer's head has (AugLocal's depth d).</summary>
    [Id(22)] public int AuxDepth { get; init; } = 2;

    /// <summary>
    /// Fraction of the training set held out for validation, 0 to 0.5 (0: none). With a split, every epoch reports the
    /// validation loss and the job ends with the weights of the epoch whose validation loss was lowest.
    /// </summary>
    [Id(23)] public double Validation { get; init; }
}
