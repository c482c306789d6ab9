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

    /// <summary>A catalog of the given cities; ids must be unique.</summary>
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
        try
        {
            return Parse(cities, aliases);
        }
        catch (InvalidDataException e) when (path is not null || aliasesPath is not null)
        {
            // Name the files too: the operator may have passed either.
            throw new InvalidDataException($"{e.Message} [catalog {path ?? "embedded"}, aliases {aliasesPath ?? (path is null ? "embedded" : "none")}]", e);
        }
    }

    /// <summary>Parses a catalog and an optional alias table (`alias,city`, the city given by name or id).</summary>
    /// <exception cref="InvalidDataException">A row is unusable; the message names the file (catalog or aliases) and the line.</exception>
    public static CityCatalog Parse(Stream citiesCsv, Stream? aliasesCsv)
    {
        var result = new List<City>();
        var lineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineOfName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, row) in ReadRows(citiesCsv, "City catalog", ["name", "lat", "lon"]))
        {
            var name = row.GetValueOrDefault("name")?.Trim();
            if (string.IsNullOrEmpty(name)) throw new InvalidDataException($"City catalog line {line}: no name");
            var lat = Coordinate(row.GetValueOrDefault("lat"), 90);
            if (lat is null) throw new InvalidDataException($"City catalog line {line}: bad latitude '{row.GetValueOrDefault("lat")}' for {name} (a number from -90 to 90)");
            var lon = Coordinate(row.GetValueOrDefault("lon"), 180);
            if (lon is null) throw new InvalidDataException($"City catalog line {line}: bad longitude '{row.GetValueOrDefault("lon")}' for {name} (a number from -180 to 180)");
            var stations = 0;
            if (row.GetValueOrDefault("cpcb_stations_2022") is { Length: > 0 } count
                && (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out stations)))
                throw new InvalidDataException($"City catalog line {line}: bad station count '{count}' for {name} (a whole number)");
            var id = row.GetValueOrDefault("id") is { Length: > 0 } given ? given : Slug(name);
            if (id.Length == 0)
                throw new InvalidDataException($"City catalog line {line}: no id can be made from '{name}'; give one in an id column");
            if (Slug(id) != id)
                throw new InvalidDataException($"City catalog line {line}: id '{id}' must be lower-case letters and digits joined by single hyphens");
            if (lineOfId.TryGetValue(id, out var first))
                throw new InvalidDataException($"City catalog line {line}: id '{id}' is already used on line {first}");
            if (lineOfName.TryGetValue(Normalize(name), out first))
                throw new InvalidDataException($"City catalog line {line}: '{name}' reads the same as the name on line {first}; names must differ (e.g. add the state)");
            lineOfId[id] = line;
            lineOfName[Normalize(name)] = line;
            result.Add(new City(id, name, row.GetValueOrDefault("state")?.Trim() ?? "", lat.Value, lon.Value, stations, []));
        }

        if (aliasesCsv is not null)
        {
            var byName = result.ToDictionary(c => Normalize(c.Name), StringComparer.Ordinal);
            var byId = result.ToDictionary(c => c.Id, StringComparer.Ordinal);
            var aliases = result.ToDictionary(c => c.Id, _ => new List<string>(), StringComparer.Ordinal);
            var owner = new Dictionary<string, (City City, int Line)>(StringComparer.Ordinal);
            foreach (var (line, row) in ReadRows(aliasesCsv, "City aliases", ["alias", "city"]))
            {
                var alias = row.GetValueOrDefault("alias")?.Trim();
                var target = row.GetValueOrDefault("city")?.Trim();
                if (string.IsNullOrEmpty(alias) || string.IsNullOrEmpty(target))
                    throw new InvalidDataException($"City aliases line {line}: both alias and city are needed");
                var city = byId.GetValueOrDefault(target) ?? byName.GetValueOrDefault(Normalize(target))
                    ?? throw new InvalidDataException($"City aliases line {line}: '{target}' is not a city of the catalog");
                var key = Normalize(alias);
                if (key.Length == 0) throw new InvalidDataException($"City aliases line {line}: alias '{alias}' has no letters or digits");
                if (owner.TryGetValue(key, out var taken))
                {
                    if (taken.City.Id == city.Id) continue;
                    throw new InvalidDataException($"City aliases line {line}: '{alias}' already names {taken.City.Name} on line {taken.Line}");
                }
                owner[key] = (city, line);
                aliases[city.Id].Add(alias);
            }
            result = [.. result.Select(c => c with { Aliases = aliases[c.Id] })];
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

    // A finite number within +-limit, written plainly: "NaN" and thousands separators ("1,2") are refused.
    private static double? Coordinate(string? text, double limit) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && Math.Abs(v) <= limit
            ? v
            : null;

    // Rows keyed by lower-case header, each with the line it ends on in the file (blank lines counted), so an
    // error names the line an editor shows.
    private static List<(int Line, Dictionary<string, string> Row)> ReadRows(Stream stream, string what, string[] required)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim });
        var rows = new List<(int, Dictionary<string, string>)>();
        try
        {
            if (!csv.Read() || !csv.ReadHeader()) throw new InvalidDataException($"{what}: the file is empty");
            var header = csv.HeaderRecord!.Select(h => h.Trim().ToLowerInvariant()).ToArray();
            if (required.FirstOrDefault(r => !header.Contains(r)) is { } missing)
                throw new InvalidDataException($"{what} line {csv.Parser.RawRow}: no '{missing}' column (columns needed: {string.Join(", ", required)})");
            while (csv.Read())
            {
                var row = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < header.Length; i++) row[header[i]] = i < csv.Parser.Count ? csv.GetField(i) ?? "" : "";
                rows.Add((csv.Parser.RawRow, row));
            }
        }
        catch (CsvHelperException e)
        {
            throw new InvalidDataException($"{what} line {e.Context?.Parser?.RawRow}: unreadable CSV ({e.GetType().Name})", e);
        }
        return rows;
    }
}
