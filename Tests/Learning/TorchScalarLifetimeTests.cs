using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace Countercurrent.Tests.Learning;

/// <summary>
/// TorchSharp's Scalar frees its native value in a finalizer, and its calls hand only the handle to native code, so a
/// Scalar nobody holds can be finalized by a collection on another thread while libtorch still reads it. libtorch then
/// fails with "Expected false to be true ... toFloat at c10/core/Scalar.h" or reads a wrong value. That is what the bench
/// end-to-end test hit on clean clones (two trainers in one process, Adam's step). Every Scalar the project hands to
/// TorchSharp is therefore held by a field or a disposed local (see TorchScalars), and these tests hold the code to it:
/// they read every call in the project's assemblies.
/// </summary>
public sealed class TorchScalarLifetimeTests
{
    private static readonly Assembly Torch = typeof(Scalar).Assembly;

    public static TheoryData<string> Assemblies => new()
    {
        "Countercurrent.Learning",
        "Countercurrent.Grains",
        "Countercurrent.Client",
        "Countercurrent.Silo",
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void No_call_makes_a_scalar_nobody_holds(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var offences = IlCallSites.Bodies(assembly)
            .SelectMany(IlCallSites.Calls)
            .Where(c => c.Target.DeclaringType?.Assembly == Torch)
            .Select(c => Offence(c) is { } why ? $"{Where(c)} calls {Name(c.Target)}: {why}" : null)
            .OfType<string>()
            .ToList();
        Assert.True(offences.Count == 0, string.Join(Environment.NewLine, offences));
    }

    [Fact]
    public void Every_scalar_made_explicitly_is_kept_in_a_field_or_a_disposed_local()
    {
        var loose = new List<string>();
        foreach (var method in IlCallSites.Bodies(Assembly.Load("Countercurrent.Learning")))
        {
            var disposed = DisposedLocals(method);
            foreach (var call in IlCallSites.Calls(method).Where(c => c.Target.Name == "ToScalar" && c.Target.DeclaringType?.Assembly == Torch))
            {
                if (!IsKept(call, disposed))
                {
                    loose.Add($"{Where(call)} makes a Scalar and neither keeps it in a field nor disposes it after use");
                }
            }
        }
        Assert.True(loose.Count == 0, string.Join(Environment.NewLine, loose));
    }

    [Fact]
    public void The_check_sees_a_temporary_scalar_and_a_held_one()
    {
        // The rule must be able to fail: this class's own helpers break it and keep it, one each.
        var self = typeof(Samples);
        var temporary = IlCallSites.Calls(self.GetMethod(nameof(Samples.Temporary))!).Where(c => c.Target.DeclaringType?.Assembly == Torch);
        var held = IlCallSites.Calls(self.GetMethod(nameof(Samples.Held))!).Where(c => c.Target.DeclaringType?.Assembly == Torch);
        Assert.Contains(temporary, c => Offence(c) is not null);
        Assert.DoesNotContain(held, c => Offence(c) is not null);
        Assert.NotEmpty(DisposedLocals(self.GetMethod(nameof(Samples.Disposed))!));
    }

    /// <summary>Why a call into TorchSharp makes a Scalar nobody holds, or null when it does not.</summary>
    private static string? Offence(IlCall call)
    {
        var target = call.Target;
        if (target.Name == "step" && typeof(torch.optim.Optimizer).IsAssignableFrom(target.DeclaringType))
        {
            return "TorchSharp's optimizers make their numbers as temporary Scalars; use ParameterOptimizer";
        }
        if (target.DeclaringType == typeof(ScalarExtensionMethods))
        {
            return null; // an explicit ToScalar: Every_scalar_made_explicitly_is_kept… checks that it is held
        }
        return LooseScalarPath(target, depth: 0) is { } path ? $"it makes a Scalar nobody holds ({path})" : null;
    }

    private static readonly Dictionary<MethodBase, string?> LooseScalarPaths = [];

    /// <summary>
    /// The chain of calls by which a TorchSharp method makes a Scalar that it neither keeps nor disposes, read from
    /// TorchSharp's own IL (an implicit conversion, say x.add(y) calling add(y, 1)); null when it makes none. Calls
    /// through a virtual method are followed to the declared method only.
    /// </summary>
    private static string? LooseScalarPath(MethodBase method, int depth)
    {
        if (method.DeclaringType == typeof(Scalar) && method.Name == "op_Implicit")
        {
            return "implicit conversion to Scalar";
        }
        if (method.DeclaringType?.Assembly != Torch || depth > 8 || method.GetMethodBody() is null)
        {
            return null;
        }
        lock (LooseScalarPaths)
        {
            if (LooseScalarPaths.TryGetValue(method, out var known))
            {
                return known;
            }
            LooseScalarPaths[method] = null; // a call cycle adds nothing
        }
        string? found = null;
        var disposed = DisposedLocals(method);
        foreach (var call in IlCallSites.Calls(method))
        {
            if (call.Target.DeclaringType == typeof(ScalarExtensionMethods) && call.Target.Name == "ToScalar")
            {
                if (!IsKept(call, disposed))
                {
                    found = $"{method.Name} makes one with ToScalar";
                    break;
                }
                continue;
            }
            if (LooseScalarPath(call.Target, depth + 1) is { } inner)
            {
                found = call.Target.Name == "op_Implicit" ? $"{method.Name}: {inner}" : $"{method.Name} -> {inner}";
                break;
            }
        }
        lock (LooseScalarPaths)
        {
            LooseScalarPaths[method] = found;
        }
        return found;
    }

    /// <summary>Whether the Scalar a ToScalar call returns goes into a field or into a local the method disposes.</summary>
    private static bool IsKept(IlCall call, HashSet<int> disposedLocals)
    {
        var next = call.Next.OpCode;
        return next == OpCodes.Stfld || next == OpCodes.Stsfld
            || IlCallSites.Local(call.Next, "stloc") is { } local && disposedLocals.Contains(local);
    }

    /// <summary>Locals whose value the method disposes (a using declaration: ldloc n, then a call of Dispose).</summary>
    private static HashSet<int> DisposedLocals(MethodBase method) => IlCallSites.Calls(method)
        .Where(c => c.Target.Name == "Dispose")
        .Select(c => IlCallSites.Local(c.Previous, "ldloc"))
        .OfType<int>()
        .ToHashSet();

    private static string Name(MethodBase m) => $"{m.DeclaringType?.FullName}.{m.Name}";

    private static string Where(IlCall call) => $"{call.Caller.DeclaringType?.FullName}.{call.Caller.Name} (IL_{call.Offset:x4})";

    /// <summary>Code the check must catch and code it must let through.</summary>
    private static class Samples
    {
        private static readonly Scalar Half = 0.5.ToScalar();

        public static torch.Tensor Temporary(torch.Tensor x) => x * 0.5;

        public static torch.Tensor Held(torch.Tensor x) => x * Half;

        public static torch.Tensor Disposed(torch.Tensor x, double factor)
        {
            using var scale = factor.ToScalar();
            return x.mul(scale);
        }
    }
}
