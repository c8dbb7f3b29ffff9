namespace Countercurrent.Learning.Data;

/// <summary>A dataset file that is missing, corrupt or inconsistent; the message names the file and the problem.</summary>
public sealed class DataFormatException(string message) : Exception(message);
