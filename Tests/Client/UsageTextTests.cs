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
}
