namespace Countercurrent.Silo.Hosting;

/// <summary>Silo settings that cannot work: one line per problem, each naming its setting and what is wrong.</summary>
public sealed class SiloSettingsException(string message) : Exception(message);
