using System.Diagnostics;
using Orleans.Runtime.Messaging;

namespace Countercurrent.Client.Commands;

/// <summary>
/// How long a client keeps trying to reach a cluster's gateways before the command fails. Orleans' default retries
/// 15 times with pauses growing by 1.5 s (three minutes in all); someone at a command line wants to hear within
/// seconds that nothing answers. Retries once a second until the limit, counted from the first failure.
/// </summary>
public sealed class ConnectDeadlineRetryFilter(TimeSpan limit) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);
    private Stopwatch? _sinceFirstFailure;

    public TimeSpan Limit => limit;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || exception is not (OrleansMessageRejectionException or ConnectionFailedException))
        {
            return false;
        }
        _sinceFirstFailure ??= Stopwatch.StartNew();
        if (_sinceFirstFailure.Elapsed + Pause > limit)
        {
            return false;
        }
        await Task.Delay(Pause, cancellationToken);
        return true;
    }
}
