using Countercurrent.Client;
using Xunit;

namespace Countercurrent.Tests.Client;

/// <summary>Parsing the command line: options with values, flags, positionals, and loud failures on anything odd.</summary>
public sealed class CommandLineArgsTests
{
    private static readonly HashSet<string> Flags = ["in-process", "json"];

    [Fact]
    public void CommandOptionsFlagsAndPositionalsAreParsed()
    {
        var args = new CommandLineArgs(["status", "job-1", "--cluster", "10.0.0.1:30000", "--json", "--threads=2"], Flags);

        Assert.Equal("status", args.Command);
        Assert.Equal(["job-1"], args.Positional);
        Assert.Equal("10.0.0.1:30000", args.String("cluster"));
        Assert.True(args.Flag("json"));
        Assert.False(args.Flag("in-process"));
        Assert.Equal(2, args.Int("threads"));
        Assert.Null(args.Double("lr"));
        args.RefuseUnread(positionals: 1);
    }

    [Fact]
    public void UnknownOptionIsRefusedByRefuseUnread()
    {
        var args = new CommandLineArgs(["train", "--epochs", "3", "--learning-rate", "0.1", "--verbose=yes"], Flags);
        Assert.Equal(3, args.Int("epochs"));

        var error = Assert.Throws<UsageException>(() => args.RefuseUnread());

        Assert.Contains("'train'", error.Message);
        Assert.Contains("--learning-rate", error.Message);
        Assert.Contains("--verbose", error.Message);
        Assert.DoesNotContain("--epochs", error.Message);
    }

    [Fact]
    public void NonNumericValueIsRefusedNamingTheOption()
    {
        var args = new CommandLineArgs(["train", "--lr", "fast"], Flags);

        var error = Assert.Throws<UsageException>(() => args.Double("lr"));

        Assert.Contains("--lr", error.Message);
        Assert.Contains("'fast' is not a number", error.Message);
    }

    [Fact]
    public void OutOfRangeValueIsRefusedNamingTheOption()
    {
        var args = new CommandLineArgs(["train", "--epochs", "99999999999"], Flags);

        var error = Assert.Throws<UsageException>(() => args.Int("epochs"));

        Assert.Contains("--epochs", error.Message);
        Assert.Contains("out of range", error.Message);
    }

    [Fact]
    public void OptionWithoutItsValueIsRefusedWhenTheCommandReadsIt()
    {
        var args = new CommandLineArgs(["train", "--lr"], Flags);

        var error = Assert.Throws<UsageException>(() => args.Double("lr"));

        Assert.Contains("--lr needs a value", error.Message);
    }

    [Fact]
    public void OptionFollowedByAnotherOptionHasNoValue()
    {
        var args = new CommandLineArgs(["train", "--plot", "--epochs", "1"], Flags);

        Assert.Equal(1, args.Int("epochs"));
        var error = Assert.Throws<UsageException>(() => args.String("plot"));
        Assert.Contains("--plot needs a value", error.Message);
    }

    [Fact]
    public void UnknownOptionAtTheEndOfTheLineIsRefusedAsUnknown()
    {
        var args = new CommandLineArgs(["train", "--epochs", "1", "--foo"], Flags);
        Assert.Equal(1, args.Int("epochs"));

        var error = Assert.Throws<UsageException>(() => args.RefuseUnread());

        Assert.Equal("unknown option for 'train': --foo", error.Message);
    }

    [Fact]
    public void MisspeltFlagDoesNotTakeTheNextOptionAsItsValue()
    {
        var args = new CommandLineArgs(["train", "--no-bias2", "--epochs", "1"], Flags);

        Assert.Equal(1, args.Int("epochs"));
        Assert.Empty(args.Positional);
        var error = Assert.Throws<UsageException>(() => args.RefuseUnread());
        Assert.Equal("unknown option for 'train': --no-bias2", error.Message);
    }

    [Fact]
    public void PositionalArgumentsACommandDoesNotTakeAreRefused()
    {
        var train = new CommandLineArgs(["train", "extra"], Flags);
        var status = new CommandLineArgs(["status", "job-1", "job-2"], Flags);

        Assert.Equal("unexpected argument for 'train': 'extra'", Assert.Throws<UsageException>(() => train.RefuseUnread()).Message);
        Assert.Equal("unexpected argument for 'status': 'job-2'", Assert.Throws<UsageException>(() => status.RefuseUnread(positionals: 1)).Message);
        new CommandLineArgs(["status", "job-1"], Flags).RefuseUnread(positionals: 1);
    }

    [Fact]
    public void OptionGivenTwiceIsRefused()
    {
        var error = Assert.Throws<UsageException>(() => new CommandLineArgs(["train", "--lr", "0.1", "--lr=0.2"], Flags));

        Assert.Contains("--lr is given twice", error.Message);
    }
}
