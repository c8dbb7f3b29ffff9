namespace Countercurrent.Silo.Hosting;

/// <summary>The Redis that <c>Silo:Redis</c> names did not answer; the message gives its address.</summary>
public sealed class RedisUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
