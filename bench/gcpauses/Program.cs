using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

// Every pause of a running .NET process for --seconds: from the runtime suspending managed threads to resuming them,
// with the collection it served (generation, blocking or background, the runtime's reason). Prints each pause over
// --over milliseconds as it ends, then per kind: count, total, p99 and max. Usage: GcPauses <pid> [--seconds 60] [--over 50]
if (args.Length == 0 || !int.TryParse(args[0], out var pid))
{
    Console.Error.WriteLine("usage: GcPauses <pid> [--seconds 60] [--over 50]");
    return 2;
}
var seconds = Option("--seconds", 60);
var over = Option("--over", 50);

var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)ClrTraceEventParser.Keywords.GC) };
using var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false);
using var source = new EventPipeEventSource(session.EventStream);

// A pause serves the collection that started last (a background collection's short pauses included); a pause with
// no collection before it in the session (a suspension for another reason) is counted as "gen? none".
(int Count, string Kind, string Reason) latest = (-1, "gen? none", "");
double? suspendedAt = null;
var pauses = new List<(string Kind, double Ms)>();
source.Clr.GCStart += e => latest = (e.Count, $"gen{e.Depth} {e.Type}", e.Reason.ToString());
source.Clr.GCSuspendEEStart += e => suspendedAt = e.TimeStampRelativeMSec;
source.Clr.GCRestartEEStop += e =>
{
    if (suspendedAt is not { } at) return;
    suspendedAt = null;
    var ms = e.TimeStampRelativeMSec - at;
    pauses.Add((latest.Kind, ms));
    if (ms >= over) Console.WriteLine($"{at / 1000,8:0.0} s  pause {ms,7:0.0} ms  gc #{latest.Count} {latest.Kind} {latest.Reason}");
};
_ = Task.Run(async () =>
{
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    session.Stop();
});
source.Process();

Console.WriteLine($"{pauses.Count} pauses, {pauses.Sum(p => p.Ms) / 1000:0.00} s paused in {seconds} s ({pauses.Sum(p => p.Ms) / 10.0 / seconds:0.0} %)");
foreach (var kind in pauses.GroupBy(p => p.Kind).OrderBy(g => g.Key))
{
    var ms = kind.Select(p => p.Ms).Order().ToArray();
    Console.WriteLine($"  {kind.Key,-26} {ms.Length,6} pauses  total {ms.Sum(),8:0} ms  p99 {ms[(int)Math.Ceiling(0.99 * ms.Length) - 1],7:0.0} ms  max {ms[^1],7:0.0} ms");
}
return 0;

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
