using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Tests;

/// <summary>City grain keys: what the ADO.NET storage needs of them, for the default and a large catalog.</summary>
public class GrainKeysTests
{
    private static CityCatalog LargeCatalog(int count)
    {
        // Ids such as "0a1b" would be hex-only on their own: the catalog must stay safe however ids look.
        var csv = new System.Text.StringBuilder("name,state,lat,lon,id\n");
        for (var i = 0; i < count; i++)
            csv.Append($"Place {i},State,{10 + i % 20}.5,{70 + i % 20}.5,{i:x4}\n");
        return CityCatalog.Parse(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv.ToString())), null);
    }

    public static TheoryData<string> Catalogs() => ["default", "5000 hex-like ids"];

    private static CityCatalog Catalog(string which) => which == "default" ? CityCatalog.Default : LargeCatalog(5000);

    [Theory]
    [MemberData(nameof(Catalogs))]
    public void City_keys_are_never_hex_only(string which)
    {
        foreach (var c in Catalog(which).All)
        {
            var key = GrainKeys.City(c);
            Assert.StartsWith(GrainKeys.CityPrefix, key);
            Assert.Contains(key, ch => !Uri.IsHexDigit(ch));
            Assert.DoesNotContain('+', key);
        }
    }

    [Theory]
    [MemberData(nameof(Catalogs))]
    public void City_keys_never_collide_and_give_back_their_id(string which)
    {
        var cities = Catalog(which).All;
        var keys = cities.Select(GrainKeys.City).ToList();
        Assert.Equal(cities.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(cities.Select(c => c.Id), keys.Select(GrainKeys.CityIdOf));
        Assert.Equal(keys, cities.Select(c => GrainKeys.City(c.Id)));
    }

    [Fact]
    public void The_default_catalog_keys_Delhi_as_city_delhi() =>
        Assert.Equal("city-delhi", GrainKeys.City(CityCatalog.Default.Resolve("New Delhi")!));

    [Fact]
    public void A_key_without_the_city_prefix_is_refused() =>
        Assert.Throws<ArgumentException>(() => GrainKeys.CityIdOf("delhi"));
}
