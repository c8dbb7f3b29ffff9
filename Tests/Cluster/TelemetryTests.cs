using System.Diagnostics;
using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Telemetry;
using Countercurrent.Silo.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Tags = Countercurrent.Learning.Telemetry.CountercurrentTelemetry.Tags;

namespace Countercurrent.Tests.Cluster;

/// <summary>A traced step is one trace across silos with a span per layer's forward, feedback and update; metrics are reported.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TelemetryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_traced_step_is_one_trace_with_spans_for_every_layer_from_both_silos_and_metrics_are_reported()
    {
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(TelemetrySetup.TraceSources)
            .SetSampler(new TracedStepSampler())
            .AddInMemoryExporter(spans)
            .Build();
        using var meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(TelemetrySetup.Meters)
            .AddInMemoryExporter(metrics)
            .Build();
        var spec = new JobSpec
        {
            JobId = "traced",
            Dataset = "synthetic",
            SyntheticSamples = 512,
            Model = "mlp:784-32-16-10",
            BatchSize = 32,
            Epochs = 1,
            MaxStepsPerEpoch = 6,
            TraceEvery = 4,
            Placement = [new(0, fixture.SiloNames[0]), new(1, fixture.SiloNames[1]), new(2, fixture.SiloNames[0])],
        };

        await fixture.Client.GetGrain<IJobGrain>(spec.JobId).Start(spec);
        var status = await JobWaiter.Finished(fixture.Client, spec.JobId);
        tracing.ForceFlush();
        meters.ForceFlush();

        Assert.Equal(JobState.Completed, status.State);
        var roots = spans.Where(s => s.OperationName == "step" && (string?)s.GetTagItem(Tags.Job) == "traced").ToList();
        Assert.Equal([0L, 4L], roots.Select(r => (long)r.GetTagItem(Tags.Step)!).Order());
        var root = roots.Single(r => (long)r.GetTagItem(Tags.Step)! == 0);
        var trace = spans.Where(s => s.TraceId == root.TraceId).ToList();
        var byId = trace.ToDictionary(s => s.SpanId);
        Assert.All(trace.Where(s => s != root), s => Assert.True(byId.ContainsKey(s.ParentSpanId), $"span {s.OperationName} has a parent outside the trace"));
        Assert.Equal(default, root.ParentSpanId);

        var forward = trace.Where(s => s.OperationName == "forward").ToList();
        var feedback = trace.Where(s => s.OperationName == "feedback").ToList();
        var updates = trace.Where(s => s.OperationName == "update").ToList();
        Assert.Equal([0, 1, 2], forward.Select(s => (int)s.GetTagItem(Tags.Layer)!).Order());
        Assert.Equal([0, 1], feedback.Select(s => (int)s.GetTagItem(Tags.Layer)!).Order());
        Assert.Equal(3, updates.Count);
        Assert.All(updates, u => Assert.Contains(byId[u.ParentSpanId].OperationName, new[] { "forward", "feedback" }));
        foreach (var span in forward.Concat(feedback))
        {
            Assert.Equal("traced", span.GetTagItem(Tags.Job));
            Assert.Equal(0L, span.GetTagItem(Tags.Step));
            Assert.Equal("backprop", span.GetTagItem(Tags.Rule));
            Assert.Equal("cpu", span.GetTagItem(Tags.Device));
            Assert.Equal(status.Layers[(int)span.GetTagItem(Tags.Layer)!].Silo, span.GetTagItem(Tags.Silo));
        }
        Assert.Equal(2, forward.Select(s => s.GetTagItem(Tags.Silo)).Distinct().Count());
        Assert.True(IsAncestor(root, forward.Single(s => (int)s.GetTagItem(Tags.Layer)! == 2), byId), "layer 2's forward span descends from the step span");
        // Layer 1 is alone on the second silo: its signals came over signal links, whose requests carry the trace context.
        Assert.Equal("receive forward", byId[forward.Single(s => (int)s.GetTagItem(Tags.Layer)! == 1).ParentSpanId].OperationName);
        Assert.Equal("receive feedback", byId[feedback.Single(s => (int)s.GetTagItem(Tags.Layer)! == 1).ParentSpanId].OperationName);
        Assert.DoesNotContain(trace, s => s.OperationName == "step" && s != root);

        Assert.Equal(6 * 32, Sum(metrics, "countercurrent.samples", "traced"));
        Assert.True(Count(metrics, "countercurrent.layer.duration", "traced") >= 6 * 5, "a duration per layer per forward and feedback");
        Assert.True(Sum(metrics, "countercurrent.layer.bytes_sent", "traced") >= 6 * 32 * (32 + 16) * sizeof(float), "activations up at least");
        Assert.Equal(6, Count(metrics, "countercurrent.step.duration", "traced"));
        Assert.Equal(0, Sum(metrics, "countercurrent.steps_in_flight", "traced"));
        var loss = Last(metrics, "countercurrent.layer.loss", "traced");
        Assert.InRange(loss, 0.01, 10);
        Assert.True(Last(metrics, "countercurrent.samples_per_second", "traced") > 0);
    }

    private static bool IsAncestor(Activity ancestor, Activity span, Dictionary<ActivitySpanId, Activity> byId)
    {
        for (var current = span; byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (parent == ancestor)
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<MetricPoint> Points(List<MetricSnapshot> metrics, string name, string job) =>
        metrics.Where(m => m.Name == name).TakeLast(1).SelectMany(m => m.MetricPoints).Where(p =>
        {
            foreach (var tag in p.Tags)
            {
                if (tag.Key == Tags.Job && (string?)tag.Value == job)
                {
                    return true;
                }
            }
            return false;
        });

    private static double Sum(List<MetricSnapshot> metrics, string name, string job) =>
        Points(metrics, name, job).Sum(p =>
        {
            var point = p;
            var type = metrics.Last(m => m.Name == name).MetricType;
            return type is MetricType.LongSum or MetricType.LongSumNonMonotonic ? point.GetSumLong() : point.GetSumDouble();
        });

    private static long Count(List<MetricSnapshot> metrics, string name, string job) =>
        Points(metrics, name, job).Sum(p =>
        {
            var point = p;
            return point.GetHistogramCount();
        });

    private static double Last(List<MetricSnapshot> metrics, string name, string job)
    {
        var point = Points(metrics, name, job).Last();
        return point.GetGaugeLastValueDouble();
    }
}
