using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Countercurrent.Contracts.Signals;
using Countercurrent.Grains.Layers;
using Countercurrent.Grains.Signals;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Countercurrent.Tests.Signals;

/// <summary>
/// A silo's signal links as its layers see them: where it listens, and null (make the grain call instead) for a layer
/// that is not at the other end or a silo that cannot be reached.
/// </summary>
public sealed class SignalLinksTests
{
    private sealed class LoopbackSilo : ILocalSiloDetails
    {
        public string Name => "test";
        public string ClusterId => "test";
        public string DnsHostName => "localhost";
        public SiloAddress SiloAddress { get; } = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
        public SiloAddress GatewayAddress => SiloAddress;
    }

    private static SignalLinks Start(bool enabled = true)
    {
        var links = new SignalLinks(new LocalLayers(true), new LoopbackSilo(), new SignalLinkOptions(enabled), Options.Create(new SiloMessagingOptions()),
            NullLogger<SignalLinks>.Instance);
        links.StartAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        return links;
    }

    private static ForwardSignal Signal() =>
        new("job", 0, Phase.Train, new TensorPayload([2, 2], TensorElementType.Float32, MemoryMarshal.AsBytes(new float[4].AsSpan()).ToArray()), null);

    [Fact]
    public void A_silo_listens_on_its_advertised_loopback_address_and_not_at_all_when_links_are_off()
    {
        using var links = Start();
        using var off = Start(enabled: false);

        Assert.StartsWith("127.0.0.1:", links.Endpoint?.ToString());
        Assert.NotEqual("127.0.0.1:0", links.Endpoint?.ToString());
        Assert.Null(off.Endpoint);
    }

    [Fact]
    public async Task A_layer_not_at_the_other_end_gets_null_so_that_its_sender_makes_the_grain_call()
    {
        using var sender = Start();
        using var receiver = Start();

        var report = await sender.Forward(receiver.Endpoint!, "job/1", Signal());

        Assert.Null(report);
        Assert.Equal(1, sender.Sent);
        Assert.Equal(0, receiver.Served);
    }

    [Fact]
    public async Task A_silo_that_cannot_be_reached_gets_null_at_once_and_again_without_a_new_attempt()
    {
        var closed = LoopbackPorts.NobodyListens();
        using var sender = Start();

        Assert.Null(await sender.Forward(closed, "job/1", Signal()));
        // Now someone listens there, but the sender leaves that silo to grain calls for a while rather than try on every signal.
        using var reopened = new TcpListener(closed);
        reopened.Start();
        Assert.Null(await sender.Forward(closed, "job/1", Signal()));
        Assert.Equal(0, sender.Sent);
    }
}
