using Orleans.Runtime;

namespace Countercurrent.Contracts.Grains;

/// <summary>
/// A signal sent to a layer on another silo over a signal link (a connection between silos outside Orleans' messaging)
/// got no answer: the connection failed or the silo at its other end stopped. Like a grain call to a silo that died,
/// the job can recover from a checkpoint.
/// </summary>
[GenerateSerializer, Alias("cc.SignalLinkException")]
public sealed class SignalLinkException : OrleansException
{
    public SignalLinkException(string message) : base(message)
    {
    }

    public SignalLinkException(string message, Exception inner) : base(message, inner)
    {
    }
}
