namespace Countercurrent.Learning.Training;

/// <summary>Where a training run is, for live display: epoch (1-based), step within it, the latest losses per layer and throughput.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, long StepInEpoch, long StepsPerEpoch, float[] LayerLosses, double SamplesPerSecond);
