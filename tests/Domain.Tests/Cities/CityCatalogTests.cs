using System.Text;
using System.Text.RegularExpressions;
using AirQuality.Domain.Cities;
using AirQuality.TestSupport;

namespace AirQuality.Domain.Tests.Cities;

/// <summary>The embedded catalog of 56 cities, its aliases, and the loading of other catalogs.</summary>
public partial class CityCatalogTests
{
    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();

    private static CityCatalog FromText(string cities, string? aliases = null) =>
        CityCatalog.Parse(new MemoryStream(Encoding.UTF8.GetBytes(cities)), aliases is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(aliases)));

    private static InvalidDataException Rejected(string cities, string? aliases = null) =>
        Assert.Throws<InvalidDataException>(() => FromText(cities, aliases));

    [Fact]
    public void The_default_catalog_has_the_56_cities_of_the_reference_list()
    {
        var reference = SharedCsv.Rows("cities.csv").Select(r => r["name"]).ToList();
        Assert.Equal(56, reference.Count);
        Assert.Equal(reference, CityCatalog.Default.All.Select(c => c.Name));
    }

    [Fact]
    public void The_default_catalog_has_the_reference_coordinates()
    {
        foreach (var r in SharedCsv.Rows("cities.csv"))
        {
            var c = CityCatalog.Default.Resolve(r["name"])!;
            Assert.Equal((SharedCsv.Number(r["lat"]), SharedCsv.Number(r["lon"]), r["state"]), (c.Latitude, c.Longitude, c.State));
        }
    }

    [Theory]
    [InlineData("Bangalore", "Bengaluru")]
    [InlineData("Bombay", "Mumbai")]
    [InlineData("Gurgaon", "Gurugram")]
    [InlineData("Calcutta", "Kolkata")]
    [InlineData("Madras", "Chennai")]
    [InlineData("Trivandrum", "Thiruvananthapuram")]
    [InlineData("Vizag", "Visakhapatnam")]
    [InlineData("Mysore", "Mysuru")]
    [InlineData("Allahabad", "Prayagraj")]
    [InlineData("Pondicherry", "Puducherry")]
    [InlineData("New Delhi", "Delhi")]
    [InlineData("  new   DELHI ", "Delhi")]
    [InlineData("BANGALORE", "Bengaluru")]
    [InlineData("bombay", "Mumbai")]
    [InlineData("gurgaon", "Gurugram")]
    [InlineData("Nasik", "Nashik")]
    [InlineData("navi-mumbai", "Mumbai")]
    [InlineData("new-delhi", "Delhi")]
    [InlineData("Dehra Dun", "Dehradun")]
    [InlineData("thiruvananthapuram", "Thiruvananthapuram")]
    public void Names_and_aliases_resolve_ignoring_case_spaces_and_punctuation(string asked, string city) =>
        Assert.Equal(city, CityCatalog.Default.Resolve(asked)?.Name);

    [Fact]
    public void Every_alias_of_the_shipped_alias_file_resolves_to_its_city()
    {
        var lines = File.ReadAllLines(Path.Combine(TestServices.RepositoryRoot, "src", "Domain", "Data", "city_aliases.csv")).Skip(1)
            .Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        Assert.True(lines.Count >= 30);
        foreach (var f in lines)
            Assert.Equal(f[1], CityCatalog.Default.Resolve(f[0])?.Name);
    }

    [Fact]
    public void Every_city_resolves_by_its_name_and_its_id()
    {
        foreach (var c in CityCatalog.Default.All)
        {
            Assert.Same(c, CityCatalog.Default.Resolve(c.Name));
            Assert.Same(c, CityCatalog.Default.Resolve(c.Name.ToUpperInvariant()));
            Assert.Same(c, CityCatalog.Default.Resolve(c.Id));
            Assert.Same(c, CityCatalog.Default.ById(c.Id));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Atlantis")]
    [InlineData("Delhi Delhi")]
    public void Unknown_names_resolve_to_nothing(string? asked) => Assert.Null(CityCatalog.Default.Resolve(asked));

    [Fact]
    public void Ids_are_unique_slugs()
    {
        var ids = CityCatalog.Default.All.Select(c => c.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(SlugPattern(), id));
        Assert.Equal("delhi", CityCatalog.Default.Resolve("Delhi")!.Id);
        Assert.Equal("thiruvananthapuram", CityCatalog.Default.Resolve("Trivandrum")!.Id);
    }

    [Theory]
    [InlineData("Navi Mumbai", "navi-mumbai")]
    [InlineData("  Jammu & Kashmir ", "jammu-kashmir")]
    [InlineData("Port Blair (Andaman)", "port-blair-andaman")]
    [InlineData("Mumbai", "mumbai")]
    public void A_slug_is_lower_case_words_joined_by_hyphens(string name, string slug) => Assert.Equal(slug, CityCatalog.Slug(name));

    [Fact]
    public void A_misspelt_name_suggests_the_city()
    {
        Assert.Contains("Delhi", CityCatalog.Default.Suggest("Dehli"));
        Assert.Contains("Hyderabad", CityCatalog.Default.Suggest("Hyder"));
        Assert.Contains("Bengaluru", CityCatalog.Default.Suggest("Bangalor"));
        Assert.Equal("Chennai", CityCatalog.Default.Suggest("Chenai")[0]);
    }

    [Theory]
    [InlineData("xqzvvkwj")]
    [InlineData("zzzzzzzzzzzz")]
    [InlineData("!!!???")]
    [InlineData("")]
    [InlineData("1234567890")]
    public void Garbage_suggests_nothing(string asked) => Assert.Empty(CityCatalog.Default.Suggest(asked));

    [Fact]
    public void A_huge_query_suggests_nothing_and_resolves_to_nothing()
    {
        var huge = new string('q', 100_000);
        Assert.Empty(CityCatalog.Default.Suggest(huge));
        Assert.Null(CityCatalog.Default.Resolve(huge));
    }

    [Fact]
    public void Suggestions_are_at_most_the_number_asked()
    {
        Assert.True(CityCatalog.Default.Suggest("pur", max: 2).Count <= 2);
        Assert.Single(CityCatalog.Default.Suggest("Dehli", max: 1));
    }

    private const string Header = "name,state,lat,lon,cpcb_stations_2022\n";

    [Fact]
    public void A_bad_latitude_fails_with_its_line_number()
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\nBeta,S,20,71,2\nGamma,S,north,72,3\n");
        Assert.Contains("line 4", e.Message);
        Assert.Contains("latitude", e.Message);
        Assert.Contains("Gamma", e.Message);
    }

    [Fact]
    public void The_line_number_counts_blank_lines_as_an_editor_does()
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\n\n\nGamma,S,95,72,3\n");
        Assert.Contains("line 5", e.Message);
    }

    [Theory]
    [InlineData("Gamma,S,NaN,72,3", "latitude")]
    [InlineData("Gamma,S,-90.5,72,3", "latitude")]
    [InlineData("Gamma,S,Infinity,72,3", "latitude")]
    [InlineData("Gamma,S,\"1,2\",72,3", "latitude")]
    [InlineData("Gamma,S,,72,3", "latitude")]
    [InlineData("Gamma,S,12,181,3", "longitude")]
    [InlineData("Gamma,S,12,east,3", "longitude")]
    [InlineData("Gamma,S,12,77,many", "station count")]
    [InlineData("Gamma,S,12,77,-2", "station count")]
    [InlineData(",S,12,77,1", "no name")]
    public void A_bad_row_fails_with_its_line_number_and_what_is_wrong(string row, string problem)
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\n" + row + "\n");
        Assert.Contains("line 3", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_row_with_too_few_fields_fails_with_its_line_number()
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\nBeta,S,10\n");
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void A_stray_quote_fails_with_its_line_number()
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\nBe\"ta,S,10,70,1\n");
        Assert.Contains("line 3", e.Message);
        Assert.Contains("unreadable CSV", e.Message);
    }

    [Fact]
    public void An_empty_catalog_file_is_refused() => Assert.Contains("empty", Rejected("").Message);

    [Fact]
    public void A_catalog_without_a_coordinate_column_is_refused()
    {
        var e = Rejected("name,state,lat\nAlpha,S,10\n");
        Assert.Contains("'lon'", e.Message);
    }

    [Fact]
    public void A_repeated_id_fails_naming_both_lines()
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\nBeta,S,10,70,1\nalpha,T,11,71,1\n");
        Assert.Contains("line 4", e.Message);
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void Names_that_read_the_same_fail_even_with_distinct_ids()
    {
        var e = Rejected("name,state,lat,lon,id\nAurangabad,Maharashtra,19.9,75.3,aurangabad-mh\nAURANGABAD,Bihar,24.8,84.4,aurangabad-br\n");
        Assert.Contains("line 3", e.Message);
    }

    [Theory]
    [InlineData("Delhi")]
    [InlineData("new delhi")]
    [InlineData("new--delhi")]
    [InlineData("-delhi")]
    public void An_id_column_must_hold_slugs(string id)
    {
        var e = Rejected($"name,state,lat,lon,id\nDelhi,Delhi,28.6,77.2,{id}\n");
        Assert.Contains("line 2", e.Message);
        Assert.Contains("id", e.Message);
    }

    [Fact]
    public void A_name_without_latin_letters_needs_an_id()
    {
        var e = Rejected("name,state,lat,lon\nदिल्ली,Delhi,28.6,77.2\n");
        Assert.Contains("line 2", e.Message);
        var c = FromText("name,state,lat,lon,id\nदिल्ली,Delhi,28.6,77.2,delhi\n");
        Assert.Equal("delhi", c.Resolve("दिल्ली")!.Id);
    }

    [Fact]
    public void An_alias_of_a_city_not_in_the_catalog_fails_with_its_line_number()
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\n", "alias,city\nAlef,Alpha\nBeth,Beta\n");
        Assert.Contains("City aliases line 3", e.Message);
        Assert.Contains("Beta", e.Message);
    }

    [Fact]
    public void An_alias_naming_two_cities_fails_with_both_lines()
    {
        var e = Rejected(Header + "Alpha,S,10,70,1\nBeta,S,11,71,1\n", "alias,city\nFirst,Alpha\nFIRST,Beta\n");
        Assert.Contains("line 3", e.Message);
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void An_alias_may_name_its_city_by_id_and_a_city_name_wins_over_an_alias()
    {
        var c = FromText(Header + "Alpha Town,S,10,70,1\nBeta,S,11,71,1\n", "alias,city\nAlef,alpha-town\nBeta,Alpha Town\n");
        Assert.Equal("Alpha Town", c.Resolve("alef")!.Name);
        Assert.Equal("Beta", c.Resolve("Beta")!.Name);
    }

    [Fact]
    public void A_catalog_file_error_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, Header + "Alpha,S,100,70,1\n");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => CityCatalog.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("line 2", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_catalog_of_5000_generated_cities_loads_and_resolves()
    {
        var names = GeneratedNames(5000);
        var csv = new StringBuilder(Header);
        for (var i = 0; i < names.Count; i++)
            csv.Append(names[i]).Append(",State ").Append(i % 36).Append(',')
               .Append((8 + i % 29).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('.').Append(i % 1000).Append(',')
               .Append((68 + i % 29).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(".5,").Append(i % 7).Append('\n');
        var aliases = new StringBuilder("alias,city\n");
        for (var i = 0; i < names.Count; i += 10) aliases.Append("Old ").Append(names[i]).Append(',').Append(names[i]).Append('\n');

        var catalog = FromText(csv.ToString(), aliases.ToString());

        Assert.Equal(5000, catalog.All.Count);
        Assert.Equal(5000, catalog.All.Select(c => c.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(catalog.All, c => Assert.Matches(SlugPattern(), c.Id));
        for (var i = 0; i < names.Count; i++)
        {
            Assert.Equal(names[i], catalog.Resolve(names[i].ToUpperInvariant())!.Name);
            Assert.Equal(names[i], catalog.ById(CityCatalog.Slug(names[i]))!.Name);
        }
        Assert.Equal(names[4990], catalog.Resolve("old " + names[4990])!.Name);
        Assert.Contains(names[1234], catalog.Suggest(names[1234][..^1] + "x", max: 5));
    }

    // Distinct pronounceable names from syllables ("Karapur Ganj"), none reading the same as another.
    internal static List<string> GeneratedNames(int count)
    {
        string[] first = ["Ka", "Ra", "Ma", "Su", "Ti", "Ne", "Lo", "Bha", "Chi", "Do", "Ga", "Ja", "Pu", "Sa", "Va", "Ha"];
        string[] middle = ["ran", "lin", "mor", "sha", "dev", "kan", "bal", "tir", "pal", "ser"];
        string[] last = ["pur", "abad", "nagar", "garh", "ganj", "kot", "wadi", "palli"];
        var names = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; names.Count < count; i++)
        {
            var name = first[i % first.Length] + middle[i / first.Length % middle.Length] + last[i / (first.Length * middle.Length) % last.Length];
            var round = i / (first.Length * middle.Length * last.Length);
            if (round > 0) name += " " + (round + 1);
            if (seen.Add(name.ToLowerInvariant())) names.Add(name);
        }
        return names;
    }
}
