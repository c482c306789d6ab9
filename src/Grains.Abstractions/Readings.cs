using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using AirQuality.Domain.Readings;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.Serializers;
using Orleans.Serialization.WireProtocol;

namespace AirQuality.Grains.Abstractions;

/// <summary>Where a value came from. Names appear in every answer that shows a value.</summary>
public static class SourceNames
{
    public const string Cpcb = "cpcb";
    public const string OpenWeather = "openweather";
    public const string IqAir = "iqair";
    public const string Simulated = "simulated";
    public const string ImportOpenAq = "import:openaq";
    public const string ImportAirNow = "import:airnow";
}

/// <summary>One pollutant's hourly value (canonical unit: µg/m³, CO mg/m³) and its source.</summary>
/// <remarks>
/// A value type of 12 bytes: a place keeps thousands of hours of up to seven of these each, inline in the hour's array
/// (an object cost 40 bytes and a reference 8 more; the value, pollutant and source reference 24). The pollutant and
/// the source's number in <see cref="SourceCodes"/> share one int, and the value's double is packed at 4-byte
/// alignment (bench/scale/README.md, the section on measurements packed into 12 bytes). The wire and stored form is unchanged (pollutant, value, source
/// name: <see cref="MeasurementCodec"/>). Look one up with <see cref="CityHour.Find"/>, which says "absent" with
/// null, never with a default value.
/// </remarks>
[Immutable]
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly record struct Measurement
{
    private const int PollutantBits = 4;
    private readonly double _value;
    private readonly int _code;

    public Measurement(Pollutant pollutant, double value, string source)
    {
        _value = value;
        _code = Code(pollutant, source);
    }

    public Pollutant Pollutant
    {
        get => (Pollutant)(_code & PollutantMask);
        init => _code = Code(value, Source);
    }

    public double Value
    {
        get => _value;
        init => _value = value;
    }

    /// <summary>The source's name (null only in a default value).</summary>
    public string Source
    {
        get => SourceCodes.Name(_code >>> PollutantBits)!;
        init => _code = Code(Pollutant, value);
    }

    private const int PollutantMask = (1 << PollutantBits) - 1;

    private static int Code(Pollutant pollutant, string? source) =>
        (uint)pollutant <= PollutantMask
            ? SourceCodes.Of(source) << PollutantBits | (int)pollutant
            : throw new ArgumentOutOfRangeException(nameof(pollutant), pollutant, "not a pollutant");

    public void Deconstruct(out Pollutant pollutant, out double value, out string source) => (pollutant, value, source) = (Pollutant, Value, Source);
}

/// <summary>
/// The process's numbering of source names for <see cref="Measurement"/>: each distinct name gets the next number
/// once, kept for the process's life (0 stands for no name). Names are the adapters' and import formats' (a handful,
/// <see cref="SourceNames"/>) and whatever a store hands back, so the table stays small; numbers never leave the
/// process (the wire and stored forms carry names).
/// </summary>
public static class SourceCodes
{
    /// <summary>Most distinct names (the int's bits above the pollutant's).</summary>
    public const int MaxNames = 1 << 27;

    private static readonly ConcurrentDictionary<string, int> Codes = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static string?[] _names = new string?[16];
    private static int _count = 1;

    /// <summary>Names numbered so far (the empty 0 included).</summary>
    public static int Count => Volatile.Read(ref _count);

    /// <summary>The number of <paramref name="name"/>, given it when new; 0 for null.</summary>
    public static int Of(string? name)
    {
        if (name is null) return 0;
        if (Codes.TryGetValue(name, out var code)) return code;
        lock (Gate)
        {
            if (Codes.TryGetValue(name, out code)) return code;
            if (_count >= MaxNames) throw new InvalidOperationException($"more than {MaxNames} distinct source names");
            var names = _names;
            if (_count == names.Length)
            {
                Array.Resize(ref names, names.Length * 2);
                Volatile.Write(ref _names, names);
            }
            // The name is in the array before its number is published: a reader given the number finds it. Kept as
            // the runtime's interned instance, the same object as the SourceNames literals: the serializer writes a
            // repeated object as a reference, so a state writes the same bytes whichever instance came first.
            var assigned = _count;
            names[assigned] = string.Intern(name);
            Codes[name] = assigned;
            Volatile.Write(ref _count, assigned + 1);
            return assigned;
        }
    }

    /// <summary>The name numbered <paramref name="code"/> (null for 0).</summary>
    public static string? Name(int code) => Volatile.Read(ref _names)[code];
}

/// <summary>
/// The wire and stored form of <see cref="Measurement"/>, written by hand because the packed fields are not what
/// goes on the wire: field 0 the pollutant, 1 the value, 2 the source's name, as the serializer generated for the
/// record struct (and for the class before it) wrote them, so states stored by those versions read back.
/// </summary>
[RegisterSerializer]
public sealed class MeasurementCodec(ICodecProvider codecs) : IFieldCodec<Measurement>
{
    private readonly IFieldCodec<Pollutant> _pollutant = codecs.GetCodec<Pollutant>();

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, Measurement value)
        where TBufferWriter : IBufferWriter<byte>
    {
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteStartObject(fieldIdDelta, expectedType, typeof(Measurement));
        _pollutant.WriteField(ref writer, 0, typeof(Pollutant), value.Pollutant);
        DoubleCodec.WriteField(ref writer, 1, value.Value);
        StringCodec.WriteField(ref writer, 1, value.Source);
        writer.WriteEndBase();
        writer.WriteEndObject();
    }

    public Measurement ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        field.EnsureWireTypeTagDelimited();
        ReferenceCodec.MarkValueField(reader.Session);
        var (pollutant, value, source) = (default(Pollutant), 0.0, (string?)null);
        uint id = 0;
        Field header = default;
        while (true)
        {
            reader.ReadFieldHeader(ref header);
            if (header.IsEndBaseOrEndObject) break;
            id += header.FieldIdDelta;
            switch (id)
            {
                case 0: pollutant = _pollutant.ReadValue(ref reader, header); break;
                case 1: value = DoubleCodec.ReadValue(ref reader, header); break;
                case 2: source = StringCodec.ReadValue(ref reader, header); break;
                default: reader.ConsumeUnknownField(header); break;
            }
        }
        // Past the end of the base fields: the object's own end.
        if (header.IsEndBaseFields)
            while (true)
            {
                reader.ReadFieldHeader(ref header);
                if (header.IsEndBaseOrEndObject) break;
                reader.ConsumeUnknownField(header);
            }
        return new Measurement(pollutant, value, source!);
    }
}

/// <summary>Weather of an hour where a source gives it.</summary>
/// <param name="Source">Where the weather came from (null in data written before weather carried its source).</param>
[GenerateSerializer, Immutable]
public sealed record Weather(double? TemperatureC, double? HumidityPercent, double? WindSpeedMs, double? PressureHpa, string? Source = null);

/// <summary>One city-hour: the merged value of each pollutant with its provenance.</summary>
/// <param name="Hour">The start of the hour, UTC.</param>
[GenerateSerializer, Immutable]
public sealed record CityHour(DateTime Hour, IReadOnlyList<Measurement> Values, Weather? Weather)
{
    public double? Get(Pollutant p) => Find(p)?.Value;

    /// <summary>The measurement of <paramref name="p"/> in this hour, or null when the hour has none.</summary>
    public Measurement? Find(Pollutant p)
    {
        for (var i = 0; i < Values.Count; i++)
            if (Values[i].Pollutant == p) return Values[i];
        return null;
    }
}

/// <summary>What a source reports for one city and hour, before merging.</summary>
/// <param name="ReportedUsAqi">A US AQI the source computed itself (IQAir), kept for provenance; never shown as this system's AQI.</param>
/// <param name="ReportedMainPollutant">The pollutant code the source names as dominant (`pm25`), when it does.</param>
[GenerateSerializer, Immutable]
public sealed record SourceReading(string CityId, DateTime Hour, string Source, IReadOnlyDictionary<Pollutant, double> Values, Weather? Weather, int? ReportedUsAqi = null, string? ReportedMainPollutant = null);
