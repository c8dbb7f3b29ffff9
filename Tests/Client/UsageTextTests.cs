using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using Countercurrent.Client;
using Countercurrent.Learning.Rules;
using Xunit;

namespace Countercurrent.Tests.Client;

/// <summary>The usage text a user reads with --help lists what the trainer accepts.</summary>
public sealed class UsageTextTests
{
    [Fact]
    public void The_rule_option_lists_every_rule_the_trainer_knows()
    {
        var ruleLine = ClientApp.Usage.Split('\n')
            .SkipWhile(line => !line.TrimStart().StartsWith("--rule NAME"))
            .Skip(1)
            .First();
        var listed = Regex.Split(ruleLine.Trim(), @"\s*\|\s*");

        Assert.Equal(RuleCatalog.Names.Order(), listed.Order());
    }

    /// <summary>
    /// Every option name the client's commands ask the parser for (a string constant handed to CommandLineArgs.String,
    /// Int, Long, Double, Flag or Has, read from the client's IL) appears in the usage text as --name.
    /// </summary>
    [Fact]
    public void Every_option_a_command_reads_is_in_the_usage_text()
    {
        var client = typeof(CommandLineArgs).Assembly;
        string[] readers = [nameof(CommandLineArgs.String), nameof(CommandLineArgs.Int), nameof(CommandLineArgs.Long),
            nameof(CommandLineArgs.Double), nameof(CommandLineArgs.Flag), nameof(CommandLineArgs.Has)];
        var read = IlCallSites.Bodies(client)
            .SelectMany(IlCallSites.Calls)
            .Where(c => c.Target.DeclaringType == typeof(CommandLineArgs) && readers.Contains(c.Target.Name) && c.Previous.OpCode == OpCodes.Ldstr)
            .Select(c => c.Caller.Module.ResolveString((int)c.Previous.Operand))
            .ToHashSet();

        // The IL scan finds the options (a sanity check that it reads what it should).
        Assert.Superset(new HashSet<string> { "cluster", "checkpoint-every", "json", "plot", "out", "data-dir" }, read);
        var missing = read.Where(name => !Regex.IsMatch(ClientApp.Usage, $@"--{Regex.Escape(name)}\b")).Order().ToList();
        Assert.True(missing.Count == 0, $"options the commands read but the usage text does not name: {string.Join(", ", missing.Select(m => "--" + m))}");
    }

    [Theory]
    [InlineData("status"), InlineData("watch"), InlineData("cancel"), InlineData("resume"), InlineData("export"), InlineData("jobs")]
    public void Cluster_commands_show_their_syntax_with_the_cluster_optional(string command)
    {
        var line = ClientApp.Usage.Split('\n').FirstOrDefault(l => Regex.IsMatch(l, $@"\s{command} (<job-id>|\[)"));

        Assert.True(line is not null, $"no syntax line for {command}");
        Assert.Contains("[--cluster ADDR]", line);
    }
}
