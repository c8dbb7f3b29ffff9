using Countercurrent.Learning.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Countercurrent.Silo.Hosting;

/// <summary>
/// Exports Countercurrent's and Orleans' traces and metrics when asked to: over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set (protocol, headers, service name: the other <c>OTEL_*</c>
/// variables), to the console when <c>Telemetry:Console</c> is true. Nothing is collected otherwise.
/// </summary>
public static class TelemetrySetup
{
    public static readonly string[] TraceSources = [CountercurrentTelemetry.Name, "Microsoft.Orleans.Application"];
    public static readonly string[] Meters = [CountercurrentTelemetry.Name, "Microsoft.Orleans"];

    public static HostApplicationBuilder AddCountercurrentTelemetry(this HostApplicationBuilder builder, string serviceName)
    {
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        var console = builder.Configuration.GetValue<bool>("Telemetry:Console");
        if (!otlp && !console)
        {
            return builder;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(TraceSources).SetSampler(new TracedStepSampler());
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            });
        return builder;
    }
}
