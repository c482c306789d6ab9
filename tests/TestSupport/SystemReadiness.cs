using System.Net;

namespace AirQuality.TestSupport;

/// <summary>
/// Waiting for a started process of the system to serve: its <c>/healthz/ready</c> answers 200 once the process is
/// an active member of (or reaches) the cluster and every city of the catalog answers with a current AQI, which is
/// what "all 56 cities answer" means everywhere in the tests.
/// </summary>
public static class SystemReadiness
{
    public const string ReadyPath = "/healthz/ready";

    /// <summary>Until <see cref="ReadyPath"/> of <paramref name="http"/>'s base address answers 200.</summary>
    /// <exception cref="TimeoutException">Not ready in time; the message has the last answer of the probe.</exception>
    public static Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout, Func<string>? context = null) =>
        Eventually.UntilAsync(async () =>
        {
            try
            {
                using var r = await http.GetAsync(ReadyPath);
                return r.StatusCode == HttpStatusCode.OK ? null : $"{(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException ex)
            {
                return ex.Message;
            }
        }, timeout, $"{http.BaseAddress} ready (every catalog city answering){(context is null ? "" : "; " + context())}");
}
