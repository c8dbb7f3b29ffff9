using System.Net;
using System.Net.Sockets;

namespace Countercurrent.Tests.Signals;

internal static class LoopbackPorts
{
    /// <summary>A loopback port that was free a moment ago and that nobody listens on now.</summary>
    public static IPEndPoint NobodyListens()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var endpoint = (IPEndPoint)probe.LocalEndpoint;
        probe.Stop();
        return endpoint;
    }
}
