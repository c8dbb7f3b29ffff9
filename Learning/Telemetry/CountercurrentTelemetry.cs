using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Countercurrent.Learning.Telemetry;

/// <summary>
/// The project's one ActivitySource and one Meter (both named <see cref="Name"/>) and every instrument, in one place.
/// Only BCL diagnostics types: exporters are configured by the hosts (Silo's TelemetrySetup). Spans are created only
/// for sampled steps; with no listener or an unsampled parent, <c>StartActivity</c> returns null and costs a check.
/// </summary>
public static class CountercurrentTelemetry
{
    public const string Name = "Countercurrent";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Span attribute names.</summary>
    public static class Tags
    {
        public const string Job = "countercurrent.job";
        public const string Layer = "countercurrent.layer";
        public const string Step = "countercurrent.step";
        public const string Epoch = "countercurrent.epoch";
        public const string Rule = "countercurrent.rule";
        public const string Device = "countercurrent.device";
        public const string Silo = "countercurrent.silo";
        public const string Phase = "countercurrent.phase";
    }

    public static readonly Counter<long> SamplesTrained =
        Meter.CreateCounter<long>("countercurrent.samples", "{sample}", "Training samples whose step completed on every layer");

    public static readonly Gauge<double> SamplesPerSecond =
        Meter.CreateGauge<double>("countercurrent.samples_per_second", "{sample}/s", "Training throughput of a job over its current epoch");

    public static readonly Gauge<double> LayerLoss =
        Meter.CreateGauge<double>("countercurrent.layer.loss", null, "Latest local loss of a layer");

    public static readonly UpDownCounter<int> StepsInFlight =
        Meter.CreateUpDownCounter<int>("countercurrent.steps_in_flight", "{step}", "Steps started and not yet finished by every layer");

    public static readonly Histogram<double> StepDuration =
        Meter.CreateHistogram<double>("countercurrent.step.duration", "ms", "From a step's start at the job to its last layer finishing");

    public static readonly Histogram<double> LayerDuration =
        Meter.CreateHistogram<double>("countercurrent.layer.duration", "ms", "A layer's own work on one signal (conversion, rule, update), without waiting on other layers");

    public static readonly Counter<long> BytesSent =
        Meter.CreateCounter<long>("countercurrent.layer.bytes_sent", "By", "Payload bytes a layer sent to other layers");

    public static readonly Histogram<double> CheckpointDuration =
        Meter.CreateHistogram<double>("countercurrent.checkpoint.duration", "ms", "Time to save or restore a checkpoint");
}
