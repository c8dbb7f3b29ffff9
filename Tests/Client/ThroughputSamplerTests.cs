using Countercurrent.Client.Commands;

namespace Countercurrent.Tests.Client;

public sealed class ThroughputSamplerTests
{
    [Theory]
    [InlineData(0, 50, false)]     // the first half of epoch 1
    [InlineData(50, 100, false)]   // ends with the epoch's last step, before the work after it
    [InlineData(100, 150, true)]   // the work after epoch 1's last step, then steps of epoch 2
    [InlineData(60, 140, true)]
    [InlineData(101, 200, false)]
    [InlineData(150, 320, true)]   // two epoch ends
    public void An_interval_spans_an_epoch_end_when_steps_done_passes_a_multiple_of_the_epoch(long from, long to, bool spans) =>
        Assert.Equal(spans, new ThroughputSampler(128, 0, 100).SpansEpochEnd(from, to));

    [Fact]
    public void Without_epochs_no_interval_spans_an_end() =>
        Assert.False(new ThroughputSampler(128, 0, 0).SpansEpochEnd(100, 150));
}
