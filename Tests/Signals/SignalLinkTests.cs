using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Layers;
using Countercurrent.Grains.Signals;
using Microsoft.Extensions.Logging.Abstractions;

namespace Countercurrent.Tests.Signals;

/// <summary>A signal link on loopback: replies matched to requests, "not here", a broken connection and a silent one.</summary>
public sealed class SignalLinkTests
{
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(30);

    private static ForwardSignal Signal(long step)
    {
        var values = new float[64];
        values[0] = step;
        return new ForwardSignal("job", step, Phase.Train, new TensorPayload([8, 8], TensorElementType.Float32, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()), null);
    }

    private static SignalFrame Request(long id, long step) => SignalFrame.ForwardRequest(id, "job/1", Signal(step), null, null);

    /// <summary>A stand-in for another silo that accepts a link and replies to nothing: the test says what its end of the connection does.</summary>
    private sealed class SilentSilo : IDisposable
    {
        private readonly TcpListener _server = new(IPAddress.Loopback, 0);

        private SilentSilo() => _server.Start();

        public IPEndPoint Endpoint => (IPEndPoint)_server.LocalEndpoint;

        public Socket Connection { get; private set; } = null!;

        public static async Task<(SilentSilo Silo, SignalLink Link)> Linked()
        {
            var silo = new SilentSilo();
            var accepted = silo._server.AcceptSocketAsync(TestContext.Current.CancellationToken);
            var link = await SignalLink.Connect(silo.Endpoint, Patient);
            silo.Connection = await accepted;
            return (silo, link);
        }

        public void Dispose()
        {
            Connection.Dispose();
            _server.Stop();
        }
    }

    [Fact]
    public async Task Concurrent_requests_on_one_link_each_get_their_own_reply_whatever_the_order_of_replies()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var serving = Task.Run(async () =>
        {
            using var connection = await server.AcceptSocketAsync(TestContext.Current.CancellationToken);
            var stream = new NetworkStream(connection);
            var requests = new List<SignalFrame>();
            for (var i = 0; i < 8; i++)
            {
                requests.Add(await SignalWire.Read(stream, CancellationToken.None));
            }
            // Replies in reverse order, each carrying its request's step.
            foreach (var request in Enumerable.Reverse(requests))
            {
                await SignalWire.Write(stream, SignalFrame.ReportReply(request.Id, StepReport.Empty(request.Step)), CancellationToken.None);
            }
            await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken); // keeps the connection open meanwhile
        }, TestContext.Current.CancellationToken);
        using var link = await SignalLink.Connect((IPEndPoint)server.LocalEndpoint, Patient);

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(step => link.Send(id => Request(id, step), Patient)));

        Assert.Equal(Enumerable.Range(0, 8).Select(s => (long)s), replies.Select(r => r.Report!.Step));
        Assert.False(link.IsBroken);
    }

    [Fact]
    public async Task A_listener_without_the_layer_answers_not_here()
    {
        using var listener = SignalListener.Start(IPAddress.Loopback, 0, new LocalLayers(true), NullLogger.Instance);
        using var link = await SignalLink.Connect(listener.Bound, Patient);

        var reply = await link.Send(id => Request(id, 4), Patient);

        Assert.Equal(SignalFrameType.NotHere, reply.Type);
        Assert.Equal(0, listener.Served);
    }

    [Fact]
    public async Task A_connection_that_breaks_fails_the_waiting_request_as_a_lost_silo_and_the_link_stays_broken()
    {
        var (silo, link) = await SilentSilo.Linked();
        using var _ = silo;
        using var __ = link;

        var waiting = link.Send(id => Request(id, 1), Patient);
        await SignalWire.Read(new NetworkStream(silo.Connection), TestContext.Current.CancellationToken); // the request arrived whole; the "silo" dies before replying
        silo.Connection.Close();

        var failure = await Assert.ThrowsAsync<SignalLinkException>(() => waiting);
        Assert.Contains(silo.Endpoint.ToString(), failure.Message);
        Assert.True(link.IsBroken);
        await Assert.ThrowsAsync<SignalLinkException>(() => link.Send(id => Request(id, 2), Patient));
    }

    [Fact]
    public async Task A_request_without_a_reply_times_out_naming_its_layer_and_step()
    {
        var (silo, link) = await SilentSilo.Linked();
        using var _ = silo;
        using var __ = link;

        var failure = await Assert.ThrowsAsync<TimeoutException>(() => link.Send(id => Request(id, 6), TimeSpan.FromMilliseconds(300)));

        Assert.Contains("job/1", failure.Message);
        Assert.Contains("step 6", failure.Message);
        Assert.False(link.IsBroken); // a slow reply is not a broken link
    }

    [Fact]
    public async Task Connecting_to_a_port_nobody_listens_on_fails()
    {
        var closed = LoopbackPorts.NobodyListens();

        await Assert.ThrowsAnyAsync<SocketException>(() => SignalLink.Connect(closed, Patient));
    }
}
