using System.Reflection;
using System.Reflection.Emit;

namespace Countercurrent.Tests;

/// <summary>One call made by a method body: the instruction before and after it, and what it calls.</summary>
internal sealed record IlCall(MethodBase Caller, int Offset, MethodBase Target, IlInstruction Previous, IlInstruction Next);

/// <summary>One decoded IL instruction (the operand as a token or local index where it has one).</summary>
internal readonly record struct IlInstruction(OpCode OpCode, int Offset, long Operand);

/// <summary>
/// Reads the calls out of every method body of an assembly with reflection alone, so a test can check a rule about
/// how the code calls a library (for instance: which TorchSharp calls it makes and what it does with their results).
/// </summary>
internal static class IlCallSites
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every method and constructor with a body in the assembly, nested and compiler-generated types included.</summary>
    public static IEnumerable<MethodBase> Bodies(Assembly assembly) => assembly.GetTypes()
        .SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)))
        .Where(m => m.GetMethodBody() is not null);

    /// <summary>The method's instructions in order.</summary>
    public static IReadOnlyList<IlInstruction> Instructions(MethodBase method)
    {
        var il = method.GetMethodBody()!.GetILAsByteArray()!;
        var list = new List<IlInstruction>();
        var at = 0;
        while (at < il.Length)
        {
            var start = at;
            short value = il[at++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[at++]));
            }
            var opCode = OpCodesByValue[value];
            long operand = 0;
            switch (opCode.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    operand = il[at];
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    operand = BitConverter.ToUInt16(il, at);
                    at += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    operand = BitConverter.ToInt64(il, at);
                    at += 8;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                default:
                    operand = BitConverter.ToInt32(il, at);
                    at += 4;
                    break;
            }
            list.Add(new IlInstruction(opCode, start, operand));
        }
        return list;
    }

    /// <summary>The calls (call, callvirt, newobj) a method body makes, with the instruction that follows each.</summary>
    public static IEnumerable<IlCall> Calls(MethodBase method)
    {
        var instructions = Instructions(method);
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < instructions.Count; i++)
        {
            var instruction = instructions[i];
            if (instruction.OpCode != OpCodes.Call && instruction.OpCode != OpCodes.Callvirt && instruction.OpCode != OpCodes.Newobj)
            {
                continue;
            }
            var target = method.Module.ResolveMethod((int)instruction.Operand, typeArguments, methodArguments)!;
            var previous = i > 0 ? instructions[i - 1] : default;
            var next = i + 1 < instructions.Count ? instructions[i + 1] : default;
            yield return new IlCall(method, instruction.Offset, target, previous, next);
        }
    }

    /// <summary>The local a stloc or ldloc instruction names, or null for any other instruction.</summary>
    public static int? Local(IlInstruction instruction, string prefix)
    {
        var name = instruction.OpCode.Name ?? "";
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var suffix = name[prefix.Length..];
        return suffix switch
        {
            ".0" => 0,
            ".1" => 1,
            ".2" => 2,
            ".3" => 3,
            ".s" or "" => (int)instruction.Operand,
            _ => null,
        };
    }
}
