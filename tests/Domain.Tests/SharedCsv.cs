using System.Globalization;
using AirQuality.TestSupport;
using CsvHelper;

namespace AirQuality.Domain.Tests;

/// <summary>Reads the reference CSV files in the shared data folder as header-keyed rows.</summary>
internal static class SharedCsv
{
    public static string PathOf(string relative) => Path.Combine(TestServices.SharedData, relative);

    public static List<Dictionary<string, string>> Rows(string relative)
    {
        using var reader = new StreamReader(PathOf(relative));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        var header = csv.HeaderRecord!;
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
            rows.Add(header.Select((h, i) => (h, v: csv.GetField(i) ?? "")).ToDictionary(x => x.h, x => x.v));
        return rows;
    }

    public static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
