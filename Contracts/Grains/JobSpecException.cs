namespace Countercurrent.Contracts.Grains;

/// <summary>A job spec that cannot work; the message names the field.</summary>
[GenerateSerializer, Alias("cc.JobSpecException")]
public sealed class JobSpecException : Exception
{
    public JobSpecException(string field, string problem) : base($"{field}: {problem}")
    {
        Field = field;
    }

    [Id(0)] public string Field { get; }
}
