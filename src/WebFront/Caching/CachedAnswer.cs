using System.Buffers;
using System.Buffers.Binary;
using System.ComponentModel;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;

namespace AirQuality.WebFront.Caching;

/// <summary>
/// An API answer as it goes on the wire: the JSON bytes and their ETag. Immutable, so the in-memory tier of the cache
/// hands out the same instance to every request instead of copying it.
/// </summary>
[ImmutableObject(true)]
public sealed class CachedAnswer(byte[] json, string etag, DateTime createdAt, bool stale = false)
{
    private static readonly byte[] StaleField = "{\"stale\":true,"u8.ToArray();

    public byte[] Json { get; } = json;

    /// <summary>
    /// A last known answer served because its grain could not answer in time (never cached): a JSON object gets
    /// `"stale": true` as its first field, and the response `Warning: 110` and `Age`.
    /// </summary>
    public bool Stale { get; } = stale;

    /// <summary>This answer as a stale one.</summary>
    public CachedAnswer AsStale()
    {
        if (Stale) return this;
        var json = Json;
        if (json.Length >= 2 && json[0] == (byte)'{')
        {
            var rest = json.AsSpan(1);
            var empty = rest.Length == 1 && rest[0] == (byte)'}';
            json = empty ? "{\"stale\":true}"u8.ToArray() : [.. StaleField, .. rest];
        }
        return new CachedAnswer(json, ETag.TrimEnd('"') + "-stale\"", CreatedAt, stale: true);
    }

    /// <summary>Strong ETag: a hash of the JSON.</summary>
    public string ETag { get; } = etag;

    public DateTime CreatedAt { get; } = createdAt;
}

/// <summary>Binary form of <see cref="CachedAnswer"/> for the Redis tier: created-at ticks, ETag, JSON.</summary>
internal sealed class CachedAnswerSerializer : IHybridCacheSerializer<CachedAnswer>
{
    public CachedAnswer Deserialize(ReadOnlySequence<byte> source)
    {
        var bytes = source.ToArray();
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var etagLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var etag = Encoding.ASCII.GetString(bytes, 12, etagLength);
        return new CachedAnswer(bytes[(12 + etagLength)..], etag, new DateTime(ticks, DateTimeKind.Utc));
    }

    public void Serialize(CachedAnswer value, IBufferWriter<byte> target)
    {
        var etag = Encoding.ASCII.GetBytes(value.ETag);
        var span = target.GetSpan(12 + etag.Length + value.Json.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span, value.CreatedAt.Ticks);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], etag.Length);
        etag.CopyTo(span[12..]);
        value.Json.CopyTo(span[(12 + etag.Length)..]);
        target.Advance(12 + etag.Length + value.Json.Length);
    }
}
