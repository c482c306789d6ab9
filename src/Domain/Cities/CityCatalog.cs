using System.Globalization;
using System.Reflection;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace AirQuality.Domain.Cities;

/// <summary>
/// The cities the system serves, read from data (the embedded default of 56 cities, or a CSV file of the same
/// columns), with their aliases. Lookups ignore case, spaces and punctuation.
/// </summary>
public sealed class CityCatalog
{
    private readonly Dictionary<string, City> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, City> _byId = new(StringComparer.Ordinal);

    public CityCatalog(IEnumerable<City> cities)
    {
        var list = new List<City>();
        foreach (var c in cities)
        {
            if (!_byId.TryAdd(c.Id, c))
                throw new InvalidDataException($"City id '{c.Id}' appears twice in the catalog");
            list.Add(c);
        }
        All = list;
        // Names win over aliases, so an alias can never hide a real city of that name.
        foreach (var c in list) _byKey[Normalize(c.Name)] = c;
        foreach (var c in list)
        {
            _byKey.TryAdd(Normalize(c.Id), c);
            foreach (var a in c.Aliases) _byKey.TryAdd(Normalize(a), c);
        }
    }

    /// <summary>Every city, in catalog order.</summary>
    public IReadOnlyList<City> All { get; }

    /// <summary>The catalog shipped with the system: 56 Indian cities with their common aliases.</summary>
    public static CityCatalog Default { get; } = Load(null);

    /// <summary>Loads a catalog CSV (`name,state,lat,lon[,cpcb_stations_2022][,id]`) or, with no path, the embedded default.</summary>
    public static CityCatalog Load(string? path, string? aliasesPath = null)
    {
        using var cities = path is null ? Embedded("cities.csv") : File.OpenRead(path);
        using var aliases = aliasesPath is not null ? File.OpenRead(aliasesPath) : path is null ? Embedded("city_aliases.csv") : null;
        return Parse(cities, aliases);
    }

    /// <summary>Parses a catalog and an optional alias table (`alias,city`).</summary>
    public static CityCatalog Parse(Stream citiesCsv, Stream? aliasesCsv)
    {
        var aliasMap = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        if (aliasesCsv is not null)
        {
            foreach (var row in ReadRows(aliasesCsv))
            {
                var alias = row.GetValueOrDefault("alias");
                var city = row.GetValueOrDefault("city");
                if (string.IsNullOrWhiteSpace(alias) || string.IsNullOrWhiteSpace(city)) continue;
                if (!aliasMap.TryGetValue(city, out var l)) aliasMap[city] = l = [];
                l.Add(alias.Trim());
            }
        }
        var result = new List<City>();
        var line = 1;
        foreach (var row in ReadRows(citiesCsv))
        {
            line++;
            var name = row.GetValueOrDefault("name")?.Trim();
            if (string.IsNullOrEmpty(name)) throw new InvalidDataException($"City catalog line {line}: no name");
            if (!double.TryParse(row.GetValueOrDefault("lat"), CultureInfo.InvariantCulture, out var lat) || lat is < -90 or > 90)
                throw new InvalidDataException($"City catalog line {line}: bad latitude for {name}");
            if (!double.TryParse(row.GetValueOrDefault("lon"), CultureInfo.InvariantCulture, out var lon) || lon is < -180 or > 180)
                throw new InvalidDataException($"City catalog line {line}: bad longitude for {name}");
            _ = int.TryParse(row.GetValueOrDefault("cpcb_stations_2022"), CultureInfo.InvariantCulture, out var stations);
            var id = row.GetValueOrDefault("id") is { Length: > 0 } given ? given : Slug(name);
            result.Add(new City(id, name, row.GetValueOrDefault("state")?.Trim() ?? "", lat, lon, stations,
                aliasMap.TryGetValue(name, out var a) ? a : []));
        }
        return new CityCatalog(result);
    }

    /// <summary>Finds a city by name, alias or id, ignoring case, spaces and punctuation.</summary>
    public City? Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200) return null;
        return _byKey.GetValueOrDefault(Normalize(name));
    }

    /// <summary>Finds a city by its id.</summary>
    public City? ById(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Names close to an unknown one (edit distance or shared prefix), best first.</summary>
    public IReadOnlyList<string> Suggest(string? name, int max = 3)
    {
        var key = Normalize(name ?? "");
        if (key.Length == 0) return [];
        if (key.Length > 64) key = key[..64];
        var threshold = Math.Max(2, key.Length / 3);
        return _byKey
            .Select(kv => (City: kv.Value, Score: Score(key, kv.Key)))
            .Where(x => x.Score <= threshold)
            .GroupBy(x => x.City.Id)
            .Select(g => g.OrderBy(x => x.Score).First())
            .OrderBy(x => x.Score).ThenBy(x => x.City.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.City.Name)
            .ToList();
    }

    /// <summary>The lower-case, hyphenated id of a name (`Navi Mumbai` -> `navi-mumbai`).</summary>
    public static string Slug(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var ch in name.Trim().ToLowerInvariant())
        {
            if (ch is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(ch);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        return sb.ToString().Trim('-');
    }

    private static string Normalize(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s.ToLowerInvariant())
            if (char.IsLetterOrDigit(ch)) sb.Append(ch);
        return sb.ToString();
    }

    // Edit distance, with a shared prefix of 4+ letters counted as a near match ("hyder" -> Hyderabad).
    private static int Score(string query, string candidate)
    {
        if (query.Length >= 4 && candidate.StartsWith(query, StringComparison.Ordinal)) return 1;
        return Levenshtein(query, candidate);
    }

    private static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    private static Stream Embedded(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream($"AirQuality.Domain.Data.{name}")
        ?? throw new InvalidOperationException($"Embedded catalog {name} is missing from the build");

    private static List<Dictionary<string, string>> ReadRows(Stream stream)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim });
        var rows = new List<Dictionary<string, string>>();
        if (!csv.Read() || !csv.ReadHeader()) return rows;
        var header = csv.HeaderRecord!.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        while (csv.Read())
        {
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++) row[header[i]] = csv.GetField(i) ?? "";
            rows.Add(row);
        }
        return rows;
    }
}
