using AirQuality.Grains.Abstractions;
using System.Text.Json;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.WebFront.Caching;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AirQuality.WebFront.Apis;

/// <summary>Forecasts: one city, a batch, and the prediction bands.</summary>
public static class ForecastApi
{
    /// <summary>Longest city name a batch takes (the longest name or alias of the catalog is far shorter).</summary>
    public const int MaxNameLength = 100;

    /// <summary>Most names of one batch that may be unknown; beyond it the batch is a 400.</summary>
    public const int MaxUnknownNames = 100;

    /// <summary>How many unknown names of one batch get close-name suggestions.</summary>
    public const int SuggestedNames = 5;

    /// <summary>Forecasts of a batch page when `limit` is not given.</summary>
    public const int BatchDefaultLimit = 100;

    /// <summary>Most names of one batch, and most forecasts of one page.</summary>
    public const int MaxBatchNames = 1000;

    public static RouteGroupBuilder MapForecastApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/forecast").WithTags("Forecast");

        group.MapGet("/{city}", GetForecast)
            .Produces<ForecastDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetForecast")
            .WithSummary("Hourly forecast of a city")
            .WithDescription("Up to 48 hours (`hours`, default 48) of the India AQI (`target=aqi`, default) or PM2.5 (`target=pm25`), each hour with its category and a prediction band at `level` (0.8 or 0.9, default 0.9). `model` says which family and version produced it; right after a start, the better baseline serves while models train.");

        group.MapPost("/batch", GetBatch)
            .Accepts<BatchForecastRequest>("application/json")
            .Produces<BatchForecastDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("GetBatchForecast")
            .WithSummary("Forecasts of several cities")
            .WithDescription("Body: `{\"cities\": [\"Delhi\", \"Mumbai\"], \"hours_ahead\": 24, \"target\": \"aqi\"}`. Answers every valid city in one fan-out and lists a problem for each city that cannot be answered. Paged over the known cities in the order asked: query `limit` (default 100, at most 1000) and `page` (from 1); `meta.found` counts the known cities, and every page lists every unknown name.");

        group.MapGet("/confidence/{city}", GetConfidence)
            .WithName("GetForecastConfidence")
            .WithSummary("Prediction bands of a city")
            .WithDescription("Split-conformal bands per horizon (as factors around the forecast), their coverage on validation data, and the live error of issued forecasts.");

        return api;
    }

    internal static async Task<IResult> GetForecast(
        string city, string? hours, string? target, string? level, CityCatalog catalog, IGrainFactory grains, AnswerCache cache,
        IOptions<ForecastTargetOptions> targets)
    {
        if (!QueryParsing.TryInt(hours, "hours", 1, 48, 48, out var n, out var bad)) return bad!;
        if (!TryTarget(target, targets.Value, out var t, out bad)) return bad!;
        if (!TryLevel(level, out var lvl, out bad)) return bad!;
        if (catalog.Resolve(city) is not { } c) return Problems.UnknownCity(city, catalog);
        return await cache.ForCity("forecast", c, $"{c.Id}:{t}:{n}:{lvl}", async () =>
        {
            var forecast = await grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(c.Id)).GetForecast(t, n) ?? throw new CityNotReadyException(c.Name);
            return ToDto(c, forecast, lvl);
        });
    }

    internal static async Task<IResult> GetBatch(HttpRequest request, string? limit, string? page, CityCatalog catalog, IGrainFactory grains, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, AnswerCache cache,
        IOptions<ForecastTargetOptions> targets)
    {
        if (!Paging.TryParse(limit, page, BatchDefaultLimit, MaxBatchNames, out var paging, out var badPage)) return badPage!;
        BatchForecastRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<BatchForecastRequest>(request.Body, json.Value.SerializerOptions);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body has no length to check up front; Kestrel stops it while it is read.
            return Problems.TooLarge();
        }
        catch (JsonException ex)
        {
            return Problems.BadParameter("body", $"not valid JSON for a batch request ({ex.Message.Split('.')[0]}); expected {{\"cities\": [\"Delhi\"], \"hours_ahead\": 24}}");
        }
        if (body?.Cities is not { Count: > 0 } names) return Problems.BadParameter("cities", "give a non-empty list of city names");
        if (names.Count > MaxBatchNames) return Problems.BadParameter("cities", $"at most {MaxBatchNames} cities per request");
        var hoursAhead = body.HoursAhead ?? 24;
        if (hoursAhead is < 1 or > 48) return Problems.BadParameter("hours_ahead", "must be a whole number from 1 to 48");
        if (!TryTarget(body.Target, targets.Value, out var t, out var bad)) return bad!;

        // Every name is checked before any is looked at closely: the cost of a request stays bounded by its size.
        for (var i = 0; i < names.Count; i++)
            if (names[i] is { Length: > MaxNameLength })
                return Problems.BadParameter("cities", $"name {i + 1} is {names[i]!.Length} characters long; a city name has at most {MaxNameLength}");

        var errors = new List<BatchProblemDto>();
        var resolved = new List<(string Asked, City City)>();
        var unknown = new List<string>();
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name) || catalog.Resolve(name) is not { } c)
                unknown.Add(name ?? "");
            else if (resolved.All(r => r.City.Id != c.Id))
                resolved.Add((name, c));
        }
        if (unknown.Count > MaxUnknownNames)
            return Problems.BadParameter("cities", $"{unknown.Count} names are not cities of the catalog; a batch may have at most {MaxUnknownNames} (GET /api/v1/cities/ lists every city)");
        // Close names are worked out for the first few unknown names only: each costs an edit distance per catalog name.
        for (var i = 0; i < unknown.Count; i++)
        {
            var name = unknown[i];
            var suggestions = i < SuggestedNames && name.Length <= Problems.MaxSuggested ? catalog.Suggest(name) : null;
            errors.Add(new BatchProblemDto(Problems.Shown(name), StatusCodes.Status404NotFound, "Unknown city", $"No city named '{Problems.Shown(name)}' in the catalog.", suggestions));
        }
        var meta = paging.Meta(resolved.Count);
        resolved = [.. paging.Of(resolved)];
        // The same cities asked again are one cache hit; any of them changing drops it. Only known names make the key,
        // so a batch with unknown names is answered fresh (its fan-out is cheap) and never fills the cache.
        var key = $"{t}:{hoursAhead}:{meta.Found}:{meta.Page}:{meta.Limit}:{string.Join(",", resolved.Select(r => r.City.Id))}";
        if (resolved.Count == 0)
            return TypedResults.Ok(new BatchForecastDto(0, hoursAhead, t, [], errors, meta));
        if (errors.Count > 0)
            return TypedResults.Ok(await Fetch());
        try
        {
            return await ComputeBatch();
        }
        catch (BatchNotReadyException e)
        {
            return TypedResults.Ok(e.Answer);
        }

        Task<IResult> ComputeBatch() => cache.ForCities("batch", resolved.Select(r => r.City).ToList(), key, async () =>
        {
            var answer = await Fetch();
            // A city not ready yet must not be cached as such: let the next request ask again.
            if (answer.Count < resolved.Count) throw new BatchNotReadyException(answer);
            return answer;
        });

        async Task<BatchForecastDto> Fetch()
        {
            // One fan-out: every city's grain is asked at once.
            var answers = await Task.WhenAll(resolved.Select(r => grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(r.City.Id)).GetForecast(t, hoursAhead)));
            var forecasts = new List<ForecastDto>();
            var problems = new List<BatchProblemDto>(errors);
            for (var i = 0; i < resolved.Count; i++)
            {
                if (answers[i] is { } f) forecasts.Add(ToDto(resolved[i].City, f, 0.9));
                else problems.Add(new BatchProblemDto(Problems.Shown(resolved[i].Asked), StatusCodes.Status503ServiceUnavailable, "No data yet", $"{resolved[i].City.Name} has no readings yet.", null));
            }
            return new BatchForecastDto(forecasts.Count, hoursAhead, t, forecasts, problems, meta);
        }
    }

    /// <summary>A batch with a city that is still starting: answered, not cached.</summary>
    private sealed class BatchNotReadyException(BatchForecastDto answer) : Exception("a city of the batch is not ready")
    {
        public BatchForecastDto Answer { get; } = answer;
    }

    internal static async Task<Results<Ok<ConfidenceDto>, ProblemHttpResult>> GetConfidence(string city, string? target, CityCatalog catalog, IGrainFactory grains,
        IOptions<ForecastTargetOptions> targets, GrainCallPolicy policy)
    {
        if (!TryTarget(target, targets.Value, out var t, out var bad)) return bad!;
        if (catalog.Resolve(city) is not { } c) return Problems.UnknownCity(city, catalog);
        var grain = grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(c.Id));
        var (forecast, registry) = await policy.RunAsync(async _ =>
        {
            var forecastTask = grain.GetForecast(t, 48);
            var models = await grain.GetModels();
            return (await forecastTask, models);
        });
        if (forecast is null) return Problems.NotReady(c.Name);
        var view = registry.Targets.FirstOrDefault(x => x.Target == t);
        var champion = view?.Versions.FirstOrDefault(v => v.Version == view.ChampionVersion);
        // Bands of a baseline come from its last 14 days; the forecast carries them, so factors are read off it.
        var horizons = forecast.Hours.Select(h => new ConfidenceHorizonDto(h.Horizon,
            Factor(h.Lower80, h.Value), Factor(h.Upper80, h.Value), Factor(h.Lower90, h.Value), Factor(h.Upper90, h.Value))).ToList();
        return TypedResults.Ok(new ConfidenceDto(c.Name, t, forecast.Model, forecast.Version,
            "split-conformal: quantiles of absolute validation residuals in log(1 + x), per horizon",
            champion?.Coverage ?? new Dictionary<string, double>(), view?.LiveMae, view?.LivePairs ?? 0, horizons,
            forecast.Hours.Select(h => Hour(h, t, 0.9)).ToList()));
    }

    private static double Factor(double edge, double value) => Math.Round((1 + edge) / (1 + value), 3);

    internal static ForecastDto ToDto(City c, CityForecast f, double level) => new(
        c.Name, c.Id, f.Target, f.Target == "aqi" ? "India AQI" : "ug/m3", f.IssuedFor, f.GeneratedAt, level,
        new ForecastModelDto(f.Model, f.Version, f.Baseline, f.Note),
        f.Hours.Select(h => Hour(h, f.Target, level)).ToList());

    private static ForecastHourDto Hour(ForecastHour h, string target, double level)
    {
        var category = target == "aqi"
            ? IndiaAqi.Category((int)Math.Round(h.Value))
            : IndiaAqi.SubIndexOf(Pollutant.Pm25, h.Value)?.Category ?? "";
        return level >= 0.85
            ? new ForecastHourDto(h.Time, h.Horizon, h.Value, category, h.Lower90, h.Upper90)
            : new ForecastHourDto(h.Time, h.Horizon, h.Value, category, h.Lower80, h.Upper80);
    }

    /// <summary>A target of the configured set (`Forecasting:Targets`); without one, the first of the set (`aqi` by default).</summary>
    private static bool TryTarget(string? text, ForecastTargetOptions options, out string target, out ProblemHttpResult? problem)
    {
        problem = null;
        var codes = options.Codes;
        target = string.IsNullOrWhiteSpace(text) ? codes.Contains("aqi") || codes.Count == 0 ? "aqi" : codes[0] : text.Trim().ToLowerInvariant();
        if (target is "pm2.5" or "pm2_5") target = "pm25";
        if (codes.Contains(target)) return true;
        problem = Problems.BadParameter("target", codes.Count == 0
            ? "no target is forecast here (Forecasting:Targets is empty)"
            : $"must be {string.Join(" or ", codes.Select(Described))}");
        return false;
    }

    private static string Described(string code) => code == "aqi" ? "'aqi' (India AQI)" : $"'{code}'";

    private static bool TryLevel(string? text, out double level, out ProblemHttpResult? problem)
    {
        problem = null;
        level = 0.9;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (text.Trim() is "0.8" or "80") { level = 0.8; return true; }
        if (text.Trim() is "0.9" or "90") return true;
        problem = Problems.BadParameter("level", "must be 0.8 or 0.9");
        return false;
    }
}
