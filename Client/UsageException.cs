namespace Countercurrent.Client;

/// <summary>A command line that cannot be run; printed with the usage and exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
