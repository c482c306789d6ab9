using System.Runtime.CompilerServices;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace AirQuality.Grains.Tests.Readings;

/// <summary>The packed <see cref="Measurement"/>: 12 bytes, every field read back as given, the wire form of names.</summary>
public sealed class MeasurementTests
{
    [Fact]
    public void A_measurement_takes_twelve_bytes_in_an_array()
    {
        Assert.Equal(12, Unsafe.SizeOf<Measurement>());
        var array = new Measurement[2];
        Assert.Equal(12, (int)Unsafe.ByteOffset(ref array[0], ref array[1]));
    }

    [Fact]
    public void Every_pollutant_value_and_source_reads_back_as_given()
    {
        var novel = $"import:test:{Guid.NewGuid():N}";
        foreach (var p in Enum.GetValues<Pollutant>())
            foreach (var source in new[] { SourceNames.Cpcb, SourceNames.OpenWeather, novel })
                foreach (var value in new[] { 0.0, 81.5, 1e-9, 123456.789, double.MaxValue })
                {
                    var m = new Measurement(p, value, source);
                    Assert.Equal(p, m.Pollutant);
                    Assert.Equal(value, m.Value);
                    Assert.Equal(source, m.Source);
                    var (p2, v2, s2) = m;
                    Assert.Equal((p, value, source), (p2, v2, s2));
                }
    }

    [Fact]
    public void Equal_names_make_equal_measurements_and_with_changes_one_field()
    {
        var name = new string("cpcb".ToCharArray());     // another string object with the same characters
        var a = new Measurement(Pollutant.Pm10, 140, SourceNames.Cpcb);
        Assert.Equal(a, new Measurement(Pollutant.Pm10, 140, name));
        Assert.NotEqual(a, new Measurement(Pollutant.Pm10, 140, SourceNames.IqAir));
        Assert.NotEqual(a, new Measurement(Pollutant.Pm25, 140, SourceNames.Cpcb));

        var moved = a with { Source = SourceNames.OpenWeather };
        Assert.Equal((Pollutant.Pm10, 140.0, SourceNames.OpenWeather), (moved.Pollutant, moved.Value, moved.Source));
        var other = a with { Pollutant = Pollutant.Co, Value = 1.25 };
        Assert.Equal((Pollutant.Co, 1.25, SourceNames.Cpcb), (other.Pollutant, other.Value, other.Source));
        Assert.Null(default(Measurement).Source);
    }

    [Fact]
    public void A_name_is_numbered_once_however_many_threads_ask()
    {
        var name = $"import:race:{Guid.NewGuid():N}";
        var before = SourceCodes.Count;
        var codes = new int[64];
        Parallel.For(0, codes.Length, i => codes[i] = SourceCodes.Of(new string(name.ToCharArray())));
        Assert.Single(codes.Distinct());
        Assert.Equal(name, SourceCodes.Name(codes[0]));
        Assert.True(SourceCodes.Count - before >= 1);
    }

    [Fact]
    public void The_wire_form_carries_the_name_and_reads_back_in_a_serializer_of_its_own()
    {
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var novel = $"import:wire:{Guid.NewGuid():N}";
        Measurement[] values = [new(Pollutant.No2, 17.125, novel), new(Pollutant.Co, 1.5, SourceNames.Cpcb)];

        var bytes = serializer.SerializeToArray(values);

        Assert.Contains(novel, System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(values, serializer.Deserialize<Measurement[]>(bytes));
    }
}
