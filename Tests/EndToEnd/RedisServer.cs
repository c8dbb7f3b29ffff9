using Countercurrent.Client.Processes;

namespace Countercurrent.Tests.EndToEnd;

/// <summary>A throw-away redis-server on a free loopback port, with no persistence; stopped when disposed.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> Start()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run ./setup.sh (apt-get install redis-server)");
        var port = FreePort.Next();
        var process = new ChildProcess("redis", binary, ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        var server = new RedisServer(process, port);
        try
        {
            await FreePort.WaitUntilListening(port, TimeSpan.FromSeconds(20), "redis-server");
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    public void Dispose() => _process.Dispose();
}
