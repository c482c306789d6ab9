using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.IO.Compression;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Import;
using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.Grains.Tests.Bulletins;

[Collection(CityClusterCollection.Name)]
public sealed class BulletinTests(CityClusterFixture fixture)
{
    private static readonly string ChennaiFile = Path.Combine(TestServices.SharedData, "history", "cpcb_chennai_alandur_2019_with_met.csv.gz");

    [Fact]
    public async Task The_bulletin_of_a_real_day_of_Chennai_matches_CPCBs_rules_worked_by_hand()
    {
        // Real CPCB hours of Alandur Bus Depot, Chennai, loaded into the reading store as an import would.
        using (var gz = new StreamReader(new GZipStream(File.OpenRead(ChennaiFile), CompressionMode.Decompress)))
        {
            var history = StationHistory.Read(gz, new OpenAqExport(), null, "chennai 2019");
            var hours = history.Observations
                .Where(o => o.Hour >= new DateTime(2019, 11, 1, 0, 0, 0, DateTimeKind.Utc) && o.Hour < new DateTime(2019, 11, 8, 0, 0, 0, DateTimeKind.Utc))
                .Select(o => new CityHour(o.Hour, o.Pollutants.Select(kv => new Measurement(kv.Key, kv.Value, SourceNames.ImportOpenAq)).ToList(), null))
                .ToList();
            var store = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReadingStore>();
            await store.SaveHoursAsync("chennai", hours);
        }

        var bulletin = await fixture.Grains.GetGrain<IBulletinGrain>(GrainKeys.Bulletin(new DateOnly(2019, 11, 5))).Get();

        Assert.NotNull(bulletin);
        Assert.True(bulletin.Final);
        Assert.Equal(new DateTime(2019, 11, 5, 9, 0, 0, DateTimeKind.Utc), bulletin.Hour);
        var chennai = Assert.Single(bulletin.Cities, c => c.CityId == "chennai");

        // By hand, from the file's own lines: CPCB's IST hours 16:00 on 4 Nov to 15:00 on 5 Nov (24 values each);
        // CO and O3 over the last 8 of them (08:00-15:00 IST).
        var day = ReadLocalHours(ChennaiFile, new DateTime(2019, 11, 4, 16, 0, 0), new DateTime(2019, 11, 5, 15, 0, 0));
        var pm25 = day["pm25"].Average();
        var no2 = day["no2"].Average();
        var so2 = day["so2"].Average();
        var co = day["co"].TakeLast(8).Average();
        var o3 = day["o3"].TakeLast(8).Average();
        Assert.Equal(24, day["pm25"].Count);
        Assert.Equal(108.330, pm25, 3);
        Assert.Equal(1.1875, co, 4);
        // CPCB 2014 bands each value falls in, interpolated: I = Ilo + (C - Clo) (Ihi - Ilo) / (Chi - Clo).
        var pm25Index = 201 + (pm25 - 91) * (300 - 201) / (120 - 91.0);   // Poor: 91-120 µg/m³ -> 201-300
        var no2Index = 0 + (no2 - 0) * (50 - 0) / (40 - 0.0);             // Good: 0-40 -> 0-50
        var so2Index = 0 + (so2 - 0) * (50 - 0) / (40 - 0.0);             // Good: 0-40 -> 0-50
        var coIndex = 51 + (co - 1.1) * (100 - 51) / (2.0 - 1.1);         // Satisfactory: 1.1-2.0 mg/m³ -> 51-100
        var o3Index = 51 + (o3 - 51) * (100 - 51) / (100 - 51.0);         // Satisfactory: 51-100 -> 51-100
        int[] byHand = [R(pm25Index), R(no2Index), R(so2Index), R(coIndex), R(o3Index)];
        Assert.Equal([260, 37, 7, 56, 64], byHand);

        Assert.Equal(260, chennai.Aqi);
        Assert.Equal("Poor", chennai.Category);
        Assert.Equal(["pm25"], chennai.Prominent);
        Assert.Equal(byHand, new[] { Pollutant.Pm25, Pollutant.No2, Pollutant.So2, Pollutant.Co, Pollutant.O3 }
            .Select(p => chennai.SubIndices.Single(s => s.Pollutant == p).Value));
        Assert.Equal([SourceNames.ImportOpenAq], chennai.Sources);
        Assert.Equal(24, chennai.HoursWithData);
        Assert.True(chennai.Complete);
        Assert.Empty(chennai.Forecast);
        Assert.Contains(chennai.Notes, n => n.Contains("after the day"));

        // Archived: asked again, the same composition comes back.
        var again = await fixture.Grains.GetGrain<IBulletinGrain>(GrainKeys.Bulletin(new DateOnly(2019, 11, 5))).Get();
        Assert.Equal(bulletin.ComposedAt, again!.ComposedAt);
    }

    [Fact]
    public async Task A_date_still_to_come_in_India_has_no_bulletin()
    {
        var today = DateOnly.FromDateTime(CityTestCluster.Start.UtcDateTime.AddHours(5.5));
        Assert.Null(await fixture.Grains.GetGrain<IBulletinGrain>(GrainKeys.Bulletin(today.AddDays(1))).Get());
    }

    private static int R(double v) => (int)Math.Round(v, MidpointRounding.AwayFromZero);

    /// <summary>Values per parameter of the rows whose IST time is in [first, last], in time order (plain line splitting).</summary>
    private static Dictionary<string, List<double>> ReadLocalHours(string path, DateTime first, DateTime last)
    {
        var result = new Dictionary<string, List<double>>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        reader.ReadLine();
        var rows = new List<(DateTime Local, string Parameter, double Value)>();
        while (reader.ReadLine() is { } line)
        {
            // location is quoted and contains a comma; the fields after it are plain.
            var fields = line[(line.IndexOf("\",", 1, StringComparison.Ordinal) + 2)..].Split(',');
            var local = DateTime.ParseExact(fields[3][..16], "yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
            if (local < first || local > last) continue;
            rows.Add((local, fields[4], double.Parse(fields[5], CultureInfo.InvariantCulture)));
        }
        foreach (var r in rows.OrderBy(r => r.Local))
        {
            if (!result.TryGetValue(r.Parameter, out var list)) result[r.Parameter] = list = [];
            list.Add(r.Value);
        }
        return result;
    }
}
