namespace Countercurrent.Learning.Data;

/// <summary>A training set and its test set, and the validation set held out of the training set when the job asks for one.</summary>
public sealed record DatasetPair(Dataset Train, Dataset Test, Dataset? Validation = null);
