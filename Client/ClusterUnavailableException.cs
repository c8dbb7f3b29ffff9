namespace Countercurrent.Client;

/// <summary>The cluster could not be reached, or does not know the job asked for.</summary>
public sealed class ClusterUnavailableException(string message) : Exception(message);
