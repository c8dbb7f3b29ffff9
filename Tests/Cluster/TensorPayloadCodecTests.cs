using System.Runtime.InteropServices;
using Countercurrent.Contracts.Signals;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Countercurrent.Tests.Cluster;

public sealed class TensorPayloadCodecTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private static Serializer Serializer => Services.GetRequiredService<Serializer>();

    private static TensorPayload Floats(params long[] shape)
    {
        var values = Enumerable.Range(0, (int)shape.Aggregate(1L, (n, d) => n * d)).Select(i => i * 0.25f - 1).ToArray();
        return new TensorPayload(shape, TensorElementType.Float32, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    [Fact]
    public void A_signal_crosses_the_wire_with_its_bytes_shape_and_shared_payloads_intact()
    {
        var images = Floats(2, 3);
        var labels = new TensorPayload([2], TensorElementType.Int64, MemoryMarshal.AsBytes(new long[] { 7, 1 }.AsSpan()).ToArray());
        var sent = new ForwardSignal("job", 5, Phase.Train, images, labels, images);

        var received = Serializer.Deserialize<ForwardSignal>(Serializer.SerializeToArray(sent))!;

        Assert.Equal(images.Shape, received.Activation.Shape);
        Assert.Equal(TensorElementType.Float32, received.Activation.ElementType);
        Assert.Equal(images.Data, received.Activation.Data);
        Assert.Equal(labels.Data, received.Labels!.Data);
        Assert.Equal(TensorElementType.Int64, received.Labels.ElementType);
        Assert.Same(received.Activation, received.Input);
        Assert.True(received.Activation.Received);
        Assert.True(received.Labels.Received);
        Assert.False(images.Received);
    }

    [Fact]
    public void A_received_array_is_claimed_once_and_a_local_one_never()
    {
        var images = Floats(2, 3);
        var received = Serializer.Deserialize<ForwardSignal>(Serializer.SerializeToArray(new ForwardSignal("job", 5, Phase.Train, images, null, images)))!;

        Assert.True(received.Activation.ClaimReceived());
        Assert.False(received.Input!.ClaimReceived());
        Assert.False(images.ClaimReceived());
    }

    [Fact]
    public void Missing_payloads_stay_missing()
    {
        var sent = new ForwardSignal("job", 1, Phase.Eval, Floats(1, 4), null);

        var received = Serializer.Deserialize<ForwardSignal>(Serializer.SerializeToArray(sent))!;

        Assert.Null(received.Labels);
        Assert.Null(received.Input);
    }

    [Fact]
    public void Received_bytes_land_in_arrays_from_the_shared_pool()
    {
        // An odd size (3 x 7 floats) that no other test sends, so the shared pool's arrays of this length are ours.
        var wire = Serializer.SerializeToArray(new FeedbackSignal("job", 2, FeedbackKind.Gradient, Floats(3, 7), 1));

        var first = Serializer.Deserialize<FeedbackSignal>(wire)!.Signal.Data;
        PayloadBufferPool.Shared.Return(first);
        var second = Serializer.Deserialize<FeedbackSignal>(wire)!.Signal.Data;

        Assert.Same(first, second);
    }

    [Fact]
    public void Within_a_process_a_payload_is_handed_over_as_it_is()
    {
        var sent = new ForwardSignal("job", 3, Phase.Train, Floats(2, 2), null);

        var copy = Services.GetRequiredService<DeepCopier<ForwardSignal>>().Copy(sent);

        Assert.Same(sent.Activation, copy.Activation);
        Assert.False(copy.Activation.Received);
    }
}
