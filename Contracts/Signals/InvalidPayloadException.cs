namespace Countercurrent.Contracts.Signals;

/// <summary>A tensor payload whose bytes do not match its shape, or that is too large to send.</summary>
[GenerateSerializer, Alias("cc.InvalidPayloadException")]
public sealed class InvalidPayloadException : Exception
{
    public InvalidPayloadException(string message) : base(message)
    {
    }
}
