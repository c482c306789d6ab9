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
public sealed class CachedAnswer(byte[] json, string etag, DateTime createdAt)
{
    public byte[] Json { get; } = json;

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
