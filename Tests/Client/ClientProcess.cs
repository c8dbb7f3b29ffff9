using System.Diagnostics;
using System.Text;

namespace Countercurrent.Tests.Client;

/// <summary>What a finished run of the real client printed and returned, and how long it took.</summary>
public sealed record ClientResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";
}

/// <summary>
/// The real client (`Countercurrent.Client.dll`) as a child process, in a working folder of the test's choice: what a
/// user sees, exit code and output, and Ctrl-C (SIGINT) as a terminal sends it.
/// </summary>
public sealed class ClientProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public ClientProcess(IEnumerable<string> args, string? workingDirectory = null)
    {
        // Through `env --default-signal=INT`, which then runs dotnet in its place (same process id): a process started
        // from a non-interactive shell's background job inherits SIGINT as ignored, and the runtime keeps it so, so a
        // suite run that way never delivered the test's Ctrl-C to the client.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Countercurrent.Client.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString() + _stderr;
            }
        }
    }

    public static async Task<ClientResult> Run(string[] args, TimeSpan timeout, string? workingDirectory = null)
    {
        using var client = new ClientProcess(args, workingDirectory);
        return await client.WaitForExit(timeout);
    }

    /// <summary>Waits until stdout or stderr holds <paramref name="text"/>.</summary>
    public async Task WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waiting for the client to print '{text}':\n{Output}");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Ctrl-C: SIGINT, as a terminal sends it.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<ClientResult> WaitForExit(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the client did not exit within {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // the output's last lines
        lock (_stdout)
        {
            return new ClientResult(_process.ExitCode, _stdout.ToString(), _stderr.ToString(), _clock.Elapsed);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private void Append(StringBuilder to, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_stdout)
        {
            to.AppendLine(line);
        }
    }
}
