using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.WebFront.Caching;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Apis;

/// <summary>The catalog, the rankings and comparisons.</summary>
public static class CitiesApi
{
    /// <summary>Most cities one comparison takes.</summary>
    public const int MaxCompared = 20;

    /// <summary>Rows of a catalog or rankings page when `limit` is not given.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Most rows of a catalog or rankings page.</summary>
    public const int MaxLimit = 1000;

    public static RouteGroupBuilder MapCitiesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/cities").WithTags("Cities");

        group.MapGet("/", ListCities)
            .Produces<CityListDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("ListCities")
            .WithSummary("Cities served, a page at a time")
            .WithDescription($"The catalog: name, state, coordinates, CPCB station count and the aliases each city answers to, in catalog order. Paged like OpenAQ: `limit` (default {DefaultLimit}, at most {MaxLimit}) and `page` (from 1); `meta.found` counts every matching city. Filters: `state` (case-insensitive) and `bbox=minLon,minLat,maxLon,maxLat`.");

        group.MapGet("/rankings", GetRankings)
            .Produces<RankingsDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("GetRankings")
            .WithSummary("Cities ranked by AQI")
            .WithDescription($"Every city's latest AQI, most polluted first (`order=desc`, the default) or cleanest first (`order=asc`), in the requested standard. Paged like OpenAQ: `limit` (default {DefaultLimit}, at most {MaxLimit}) and `page` (from 1); `meta.found` counts every matching city and `rank` runs on across pages. Filters: `state`, `category` (a category of the standard, e.g. `very_poor`) and `bbox=minLon,minLat,maxLon,maxLat`.");

        group.MapGet("/compare", Compare)
            .Produces<CompareDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("CompareCities")
            .WithSummary("Compare cities")
            .WithDescription("For each city of `cities` (comma separated, at most 20): current AQI, the last 24 hours' mean and maximum, the trend of PM2.5 and the peak of the next 24 hours' forecast. Like the batch forecast, every valid city is compared and each name that cannot be answered is listed in `errors` (unknown names with `suggestions`, 404; cities still starting, 503). Paged over the known cities in the order asked: `limit` (default and most 20) and `page`; `meta.found` counts the known cities.");

        return api;
    }

    internal static IResult ListCities(string? limit, string? page, string? state, string? bbox, CityCatalog catalog)
    {
        if (!Paging.TryParse(limit, page, DefaultLimit, MaxLimit, out var paging, out var bad)) return bad!;
        if (!ListFilters.TryState(state, out var st, out bad)) return bad!;
        if (!ListFilters.TryBox(bbox, out var box, out bad)) return bad!;
        var all = ListFilters.Cities(catalog.All, st, box);
        var rows = paging.Of(all).Select(CityDto.From).ToList();
        return TypedResults.Ok(new CityListDto(rows.Count, rows, paging.Meta(all.Count)));
    }

    private static readonly string[] AllCitiesTags = [AnswerCache.AllCitiesTag];

    internal static async Task<IResult> GetRankings(
        string? standard, string? limit, string? page, string? order, string? state, string? category, string? bbox,
        IGrainFactory grains, TimeProvider clock, AnswerCache cache)
    {
        if (!QueryParsing.TryStandard(standard, out var std, out var bad)) return bad!;
        if (!Paging.TryParse(limit, page, DefaultLimit, MaxLimit, out var paging, out bad)) return bad!;
        var ord = (order ?? "desc").Trim().ToLowerInvariant();
        if (ord is not ("desc" or "asc")) return Problems.BadParameter("order", "must be 'desc' (most polluted first) or 'asc'");
        if (!ListFilters.TryState(state, out var st, out bad)) return bad!;
        if (!ListFilters.TryCategory(category, std, out var cat, out bad)) return bad!;
        if (!ListFilters.TryBox(bbox, out var box, out bad)) return bad!;

        // The page is cut in the rankings grain: only its rows cross the grain boundary.
        var query = new RankingsQuery(std, ord == "desc", paging.Offset, paging.Limit, st, cat, box);
        var filters = $"{st?.ToLowerInvariant()}|{cat}|{(box is null ? "" : FormattableString.Invariant($"{box.MinLon},{box.MinLat},{box.MaxLon},{box.MaxLat}"))}";
        var key = $"{std.Code()}:{ord}:{paging.Limit}:{paging.Page}:{filters}";
        Func<CancellationToken, ValueTask<RankingsDto>> compute = async _ =>
        {
            var rows = await grains.GetGrain<IRankingsGrain>(GrainKeys.Rankings).GetPage(query);
            return Rank(rows, query, ord, paging, clock.GetUtcNow().UtcDateTime);
        };
        // Unfiltered pages are the ones asked most: kept ready (see HotAnswers); filtered ones in the answer cache only.
        // The key of an unfiltered page is the one TryFormatReadyKey formats (its filters part is "||").
        var answer = st is null && cat is null && box is null
            ? await cache.GetOrCreateHotAsync("rankings", key, null, AllCitiesTags, compute, AqiApi.MaxAgeSeconds)
            : await cache.GetOrCreateAsync("rankings", key, AllCitiesTags, compute);
        return new CachedAnswerResult(answer, AqiApi.MaxAgeSeconds);
    }

    /// <summary>
    /// The key of the ready answer for a rankings request with <paramref name="query"/> (null: none), when it asks for
    /// an unfiltered page and every parameter parses as <see cref="GetRankings"/> parses it; false otherwise (the
    /// endpoint answers it). For <see cref="ReadyAnswerMiddleware"/>.
    /// </summary>
    internal static bool TryReadyKey(IQueryCollection? query, Span<char> key, out int written)
    {
        written = 0;
        string? standard = null, limit = null, page = null, order = null;
        if (query is not null)
        {
            if (!(ReadyAnswerMiddleware.Single(query, "standard", out standard) && ReadyAnswerMiddleware.Single(query, "limit", out limit) &&
                  ReadyAnswerMiddleware.Single(query, "page", out page) && ReadyAnswerMiddleware.Single(query, "order", out order) &&
                  ReadyAnswerMiddleware.Single(query, "state", out var state) && string.IsNullOrWhiteSpace(state) &&
                  ReadyAnswerMiddleware.Single(query, "category", out var category) && string.IsNullOrWhiteSpace(category) &&
                  ReadyAnswerMiddleware.Single(query, "bbox", out var bbox) && string.IsNullOrWhiteSpace(bbox)))
                return false;
        }
        if (!QueryParsing.TryStandard(standard, out var std, out _)) return false;
        if (!Paging.TryParse(limit, page, DefaultLimit, MaxLimit, out var paging, out _)) return false;
        var ord = order is null ? "desc" : order.Trim().ToLowerInvariant();
        if (ord is not ("desc" or "asc")) return false;
        return TryFormatReadyKey(key, std, ord, paging, out written);
    }

    /// <summary>The key of the ready answer of an unfiltered rankings page (`rankings:` and the key given to the answer cache).</summary>
    internal static bool TryFormatReadyKey(Span<char> key, AqiStandard std, string order, Paging paging, out int written) =>
        key.TryWrite($"rankings:{std.Code()}:{order}:{paging.Limit}:{paging.Page}:||", out written);

    internal static RankingsDto Rank(RankingsPage page, RankingsQuery query, string order, Paging paging, DateTime now)
    {
        var std = query.Standard;
        Func<CityAqiSummary, int?> key = std == AqiStandard.India ? s => s.IndiaAqi : s => s.UsAqi;
        var rows = page.Entries.Select((s, i) =>
        {
            var aqi = key(s)!.Value;
            return new RankingDto(query.Offset + i + 1, s.City, s.CityId, s.State, aqi,
                std == AqiStandard.India ? s.IndiaCategory : s.UsCategory, AqiColors.Of(std, aqi),
                s.Dominant, std != AqiStandard.India || s.IndiaComplete, s.Simulated, s.Timestamp);
        }).ToList();
        return new RankingsDto(std.Code(), order, rows.Count, now, rows, paging.Meta(page.Found));
    }

    internal static async Task<IResult> Compare(string? cities, string? standard, string? limit, string? page, CityCatalog catalog, IGrainFactory grains,
        TimeProvider clock, IEnumerable<ICityForecastPeek> forecasts, AnswerCache cache)
    {
        if (!QueryParsing.TryStandard(standard, out var std, out var bad)) return bad!;
        if (!Paging.TryParse(limit, page, MaxCompared, MaxCompared, out var paging, out bad)) return bad!;
        var names = (cities ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) return Problems.BadParameter("cities", "give one or more city names separated by commas, e.g. Delhi,Mumbai,Bengaluru");
        if (names.Length > MaxCompared) return Problems.BadParameter("cities", $"at most {MaxCompared} cities per comparison");
        // Like the batch forecast: every valid city is compared, every name that cannot be answered is listed with its
        // problem (unknown names with suggestions), so one misspelt name does not sink the rest.
        var errors = new List<BatchProblemDto>();
        var resolved = new List<(string Asked, City City)>();
        foreach (var n in names)
        {
            if (catalog.Resolve(n) is not { } c)
            {
                var shown = n.Length > 100 ? n[..100] + "…" : n;
                if (errors.All(e => e.City != shown))
                    errors.Add(new BatchProblemDto(shown, StatusCodes.Status404NotFound, "Unknown city", $"No city named '{shown}' in the catalog.", catalog.Suggest(n)));
            }
            else if (resolved.All(r => r.City.Id != c.Id)) resolved.Add((n, c));
        }
        var meta = paging.Meta(resolved.Count);
        resolved = [.. paging.Of(resolved)];
        var peek = forecasts.FirstOrDefault();
        var key = $"{std.Code()}:{meta.Found}:{meta.Page}:{meta.Limit}:{string.Join(",", resolved.Select(r => r.City.Id))}|{string.Join(",", errors.Select(e => e.City))}";
        try
        {
            return await cache.ForCities("compare", resolved.Select(r => r.City).ToList(), key, async () =>
            {
                var rows = await Task.WhenAll(resolved.Select(async r =>
                {
                    var grain = grains.GetGrain<ICityGrain>(GrainKeys.City(r.City));
                    if (await grain.GetCurrent() is not { } current) return (Row: (CompareCityDto?)null, r.Asked, r.City);
                    var hours = await grain.GetRecent(48);
                    var peak = peek is null ? null : await peek.PeakAsync(r.City, 24);
                    return (Row: Summarise(r.City, current, hours, std, peak), r.Asked, r.City);
                }));
                var problems = new List<BatchProblemDto>(errors);
                problems.AddRange(rows.Where(r => r.Row is null).Select(r =>
                    new BatchProblemDto(r.Asked, StatusCodes.Status503ServiceUnavailable, "No data yet", $"{r.City.Name} has no readings yet; it is starting.", null)));
                var answer = new CompareDto(std.Code(), clock.GetUtcNow().UtcDateTime, rows.Count(r => r.Row is not null),
                    rows.Select(r => r.Row).OfType<CompareCityDto>().ToList(), problems, meta);
                // A city still starting must not be cached as such: the next request asks again.
                if (answer.Count < resolved.Count) throw new CompareNotReadyException(answer);
                return answer;
            });
        }
        catch (CompareNotReadyException e)
        {
            return TypedResults.Ok(e.Answer);
        }
    }

    /// <summary>A comparison with a city that is still starting: answered, not cached.</summary>
    private sealed class CompareNotReadyException(CompareDto answer) : Exception("a compared city is not ready")
    {
        public CompareDto Answer { get; } = answer;
    }

    private static CompareCityDto Summarise(City c, CityCurrent current, IReadOnlyList<CityHour> hours, AqiStandard std, ForecastPeakDto? peak)
    {
        var r = current.For(std);
        var end = current.Timestamp;
        var last24 = hours.Where(h => h.Hour > end.AddHours(-24) && h.Hour <= end).ToList();
        var aqis = last24.Select(h => CityHourSeries.AqiAt(hours, h.Hour, std).Aqi).OfType<int>().ToList();
        var pm = last24.Select(h => h.Get(Pollutant.Pm25)).OfType<double>().ToList();
        double? Mean(DateTime from, DateTime to)
        {
            var v = hours.Where(h => h.Hour > from && h.Hour <= to).Select(h => h.Get(Pollutant.Pm25)).OfType<double>().ToList();
            return v.Count == 0 ? null : v.Average();
        }
        var recent = Mean(end.AddHours(-6), end);
        var before = Mean(end.AddHours(-12), end.AddHours(-6));
        var change = recent is { } a && before is { } b ? Math.Round(a - b, 1) : (double?)null;
        var direction = recent is null || before is null ? "unknown"
            : Math.Abs(recent.Value - before.Value) <= 0.1 * Math.Max(before.Value, 1) ? "steady"
            : recent > before ? "rising" : "falling";
        return new CompareCityDto(c.Name, c.Id, r.Aqi, r.Category, current.Latest.Get(Pollutant.Pm25), end, current.Simulated,
            new Last24HoursDto(aqis.Count == 0 ? null : Math.Round(aqis.Average(), 1), aqis.Count == 0 ? null : aqis.Max(),
                pm.Count == 0 ? null : Math.Round(pm.Average(), 1), pm.Count == 0 ? null : pm.Max(), last24.Count),
            new TrendDto(direction, change),
            peak);
    }
}

/// <summary>The forecast peak of a city for comparisons (provided once forecasting is wired in).</summary>
public interface ICityForecastPeek
{
    Task<ForecastPeakDto?> PeakAsync(City city, int hours);
}
