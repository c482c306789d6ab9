using System.Collections.Concurrent;

namespace AirQuality.WebFront.Caching;

/// <summary>
/// The latest answer computed for each cache key, kept apart from the answer cache (whose entries are dropped when a
/// city changes) so a read whose grain cannot answer in time can still be served, marked stale. Bounded by payload
/// bytes: when full, new keys are not kept (known keys are still replaced).
/// </summary>
public sealed class LastKnownAnswers(long maxBytes)
{
    private readonly ConcurrentDictionary<string, CachedAnswer> _answers = new(StringComparer.Ordinal);
    private long _bytes;

    public int Count => _answers.Count;

    public bool TryGet(string key, out CachedAnswer answer) => _answers.TryGetValue(key, out answer!);

    public void Remember(string key, CachedAnswer answer)
    {
        if (answer.Stale) return;
        while (true)
        {
            if (_answers.TryGetValue(key, out var old))
            {
                if (ReferenceEquals(old, answer)) return;
                if (!_answers.TryUpdate(key, answer, old)) continue;
                Interlocked.Add(ref _bytes, answer.Json.Length - old.Json.Length);
                return;
            }
            if (Interlocked.Read(ref _bytes) + answer.Json.Length > maxBytes) return;
            if (!_answers.TryAdd(key, answer)) continue;
            Interlocked.Add(ref _bytes, answer.Json.Length);
            return;
        }
    }

    public void Clear()
    {
        foreach (var key in _answers.Keys)
            if (_answers.TryRemove(key, out var old)) Interlocked.Add(ref _bytes, -old.Json.Length);
    }
}
