using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Countercurrent.Client.Processes;

/// <summary>
/// A process started by the client (bench) or the tests (silo processes, redis-server): its output is kept for
/// error messages, and it is killed with its children when disposed, also after a failure (<see cref="Stop"/> first
/// for a clean exit).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public ChildProcess(string name, string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        Name = name;
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: could not start {fileName}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Tail(int lines = 30)
    {
        lock (_output)
        {
            return string.Join('\n', _output.ToString().Split('\n').TakeLast(lines));
        }
    }

    /// <summary>Ends the process at once, as a crash would (SIGKILL).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>
    /// Asks the process to end (SIGTERM: a silo's host shuts Orleans down and the runtime removes its diagnostic socket
    /// from the temporary folder, which SIGKILL leaves behind), and kills it if it has not ended within
    /// <paramref name="grace"/>.
    /// </summary>
    public void Stop(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }
        if (OperatingSystem.IsWindows() || kill(_process.Id, SigTerm) != 0 || !_process.WaitForExit(grace))
        {
            Kill();
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
