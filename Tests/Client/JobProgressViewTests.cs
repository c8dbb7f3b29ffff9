using Countercurrent.Client.Commands;
using Countercurrent.Contracts.Jobs;
using Spectre.Console;

namespace Countercurrent.Tests.Client;

/// <summary>The live view of a followed job in an 80-column terminal: one line per layer, nothing wider than the terminal.</summary>
public sealed class JobProgressViewTests
{
    [Fact]
    public void Every_layer_of_a_job_fits_one_row_of_an_80_column_terminal()
    {
        var status = new JobStatus
        {
            JobId = "job-20250101-120000-1234",
            State = JobState.Running,
            Spec = new JobSpec { Epochs = 20 },
            StepInEpoch = 234,
            StepsPerEpoch = 469,
            SamplesPerSecond = 12345,
            StepsInFlight = 4,
            Layers =
            [
                new LayerStatus(0, "layer 0: linear 784->1024 relu (backprop)", "backprop", "silo-1", "cpu", 0.4321f),
                new LayerStatus(1, "layer 1: linear 1024->1024 relu (backprop)", "backprop", "silo-2", "cpu", 0.4321f),
                new LayerStatus(2, "layer 2: linear 1024->10 none (backprop)", "backprop", "silo-1", "cpu", float.NaN),
            ],
            History = [new EpochResult(1, [0.5f, 0.4f, 0.3f], 0.8512, 0.4123, 12000, 5.1)],
        };
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 80;

        console.Write(JobProgressView.Render(status));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}\n{output}"));
        foreach (var layer in status.Layers)
        {
            // The row holds the whole description and the silo: not wrapped over two lines.
            Assert.Single(lines, l => l.Contains(layer.Description) && l.Contains($"{layer.Silo} / {layer.Device}"));
        }
    }
}
