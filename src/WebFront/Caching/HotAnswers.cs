using System.Collections.Concurrent;

namespace AirQuality.WebFront.Caching;

/// <summary>
/// The answers asked most (current per city, standard and language; the rankings) kept ready to write, in front of
/// the answer cache: the UTF-8 JSON with its ETag, wrapped once in a completed result. A hit is one dictionary read
/// with a key formatted on the stack: no serialization, no grain call, no cache-tier lookup, nothing allocated.
/// </summary>
/// <remarks>
/// An entry shows one city (current) or all of them (rankings). When the push says a city changed, its entries and
/// every all-cities entry are dropped and rebuilt in the background through the answer cache, so the next request
/// finds the new answer ready. Each city, and the all-cities set, has a generation bumped before and after the
/// answer cache drops its entries: an answer computed from before the change (read at an older generation) is
/// never put back. Entries expire like the cache's (the bound on a lost change notice).
/// </remarks>
public sealed class HotAnswers(TimeProvider clock, int maxEntries = HotAnswers.DefaultMaxEntries)
{
    /// <summary>The least bound on entries kept, whatever the catalog's size.</summary>
    public const int DefaultMaxEntries = 4096;

    /// <summary>Entries kept per place when the bound follows the catalog (standards x languages of `current`).</summary>
    public const int EntriesPerPlace = 4;

    /// <summary>
    /// The bound for a catalog of <paramref name="places"/>: every place's `current` in both standards and two
    /// languages, and never below <see cref="DefaultMaxEntries"/> (the rankings' variants). An entry holds one
    /// answer of about a kilobyte, so 5,000 places bound this at about 20 MB.
    /// </summary>
    public static int BoundFor(int places) => Math.Max(DefaultMaxEntries, places * EntriesPerPlace);

    /// <summary>Most entries kept; a new key beyond it is served through the answer cache, not kept ready.</summary>
    public int MaxEntries { get; } = maxEntries >= 1 ? maxEntries : throw new ArgumentOutOfRangeException(nameof(maxEntries), maxEntries, "at least one entry");

    /// <summary>Longest key looked up from a stack buffer.</summary>
    public const int MaxKeyLength = 128;

    /// <summary>How long an entry is served without a change notice (as the answer cache's expiry).</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);

    private sealed record Entry(string? CityId, Task<IResult> Result, long ExpiresAt, Func<Task> Rebuild);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // The keys of each city's entries, and of the all-cities ones, so a change visits only those (a key always shows
    // the same city). A key may outlive its entry here (dropped by a race with a Put); never the reverse: an entry is
    // written before its key is indexed, and a key is unindexed before its entry is removed. The sets themselves are
    // never removed, so a Put never adds to a set no longer reachable.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _keysByCity = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _allCitiesKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _cityGenerations = new(StringComparer.Ordinal);
    private readonly StrongBox _allGeneration = new();

    private sealed class StrongBox
    {
        public long Value;
    }

    public int Count => _entries.Count;

    /// <summary>The ready answer for <paramref name="key"/>, if one is kept and not expired.</summary>
    public bool TryGet(ReadOnlySpan<char> key, out Task<IResult> result)
    {
        if (_entries.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var entry) && clock.GetTimestamp() < entry.ExpiresAt)
        {
            result = entry.Result;
            return true;
        }
        result = null!;
        return false;
    }

    /// <summary>The generation to read before computing an answer that shows <paramref name="cityId"/> (null: all cities).</summary>
    public long Generation(string? cityId) => Volatile.Read(ref Box(cityId).Value);

    /// <summary>
    /// Keeps <paramref name="answer"/> for <paramref name="key"/> unless its city (or any city, for an all-cities
    /// answer) changed since <paramref name="generation"/> was read, or the answer is stale.
    /// </summary>
    public void Put(string key, string? cityId, long generation, CachedAnswer answer, int maxAgeSeconds, Func<Task> rebuild)
    {
        if (answer.Stale || key.Length > MaxKeyLength) return;
        if (_entries.Count >= MaxEntries && !_entries.ContainsKey(key)) return;
        var entry = new Entry(cityId, Task.FromResult<IResult>(new CachedAnswerResult(answer, maxAgeSeconds)),
            clock.GetTimestamp() + (long)(Expiry.TotalSeconds * clock.TimestampFrequency), rebuild);
        _entries[key] = entry;
        Keys(cityId).TryAdd(key, 0);
        // Checked after the write: a change that bumped the generation meanwhile has dropped, or will drop, only what
        // it found; an entry written from before it is taken out again here.
        if (Generation(cityId) != generation)
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
    }

    /// <summary>
    /// <paramref name="cityId"/> changed: bumps its generation and the all-cities one, drops the entries that show it,
    /// and adds their rebuilds to <paramref name="rebuilds"/>. Called before the answer cache drops its entries and
    /// again after (an answer read from the cache in between is taken out by the second call). Visits only the
    /// entries of that city and the all-cities ones, however many places are kept.
    /// </summary>
    public void Drop(string cityId, ICollection<Func<Task>> rebuilds)
    {
        Interlocked.Increment(ref Box(cityId).Value);
        Interlocked.Increment(ref _allGeneration.Value);
        DropKeys(Keys(cityId), rebuilds);
        DropKeys(_allCitiesKeys, rebuilds);
    }

    private void DropKeys(ConcurrentDictionary<string, byte> keys, ICollection<Func<Task>> rebuilds)
    {
        foreach (var key in keys.Keys)
        {
            keys.TryRemove(key, out _);
            if (_entries.TryRemove(key, out var entry) && !rebuilds.Contains(entry.Rebuild)) rebuilds.Add(entry.Rebuild);
        }
    }

    /// <summary>Drops every entry, rebuilding none; answers computed before this are not put back.</summary>
    public void Clear()
    {
        foreach (var box in _cityGenerations.Values) Interlocked.Increment(ref box.Value);
        Interlocked.Increment(ref _allGeneration.Value);
        foreach (var keys in _keysByCity.Values) keys.Clear();
        _allCitiesKeys.Clear();
        _entries.Clear();
    }

    /// <summary>How many keys are indexed under <paramref name="cityId"/> (null: the all-cities ones); a drop of the city leaves none.</summary>
    public int IndexedKeys(string? cityId) => Keys(cityId).Count;

    private ConcurrentDictionary<string, byte> Keys(string? cityId) =>
        cityId is null ? _allCitiesKeys : _keysByCity.GetOrAdd(cityId, static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));

    private StrongBox Box(string? cityId) => cityId is null ? _allGeneration : _cityGenerations.GetOrAdd(cityId, static _ => new StrongBox());
}
