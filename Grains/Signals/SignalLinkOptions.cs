namespace Countercurrent.Grains.Signals;

/// <summary>Whether a silo carries signals between its layers and other silos' over signal links (<see cref="SignalLinks"/>), and on which port it takes them.</summary>
public sealed record SignalLinkOptions(bool Enabled = true, int Port = 0);
