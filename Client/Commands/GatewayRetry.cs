namespace Countercurrent.Client.Commands;

/// <summary>
/// Retries a read-only call while the cluster reroutes after a silo died: the client's connection to that silo's
/// gateway fails until it picks another gateway. A status poll must not end a `watch` because one silo went down.
/// </summary>
public static class GatewayRetry
{
    public static async Task<T> Call<T>(Func<Task<T>> call, CancellationToken cancel, int attempts = 30)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < attempts && e is OrleansException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancel);
            }
        }
    }
}
