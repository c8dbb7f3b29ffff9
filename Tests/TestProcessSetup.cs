using System.Runtime.CompilerServices;

namespace Countercurrent.Tests;

/// <summary>Runs before any test touches TorchSharp: the same process settings as the client and the silo.</summary>
internal static class TestProcessSetup
{
    [ModuleInitializer]
    internal static void Prepare() => Countercurrent.Learning.TorchRuntime.PrepareEnvironment();
}
