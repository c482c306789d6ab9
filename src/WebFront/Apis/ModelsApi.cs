using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Apis;

/// <summary>The model registry: performance per city, the list of champions, retraining.</summary>
public static class ModelsApi
{
    /// <summary>A city's champion in the model list.</summary>
    public sealed record ModelSummaryDto(string City, string CityId, string Target, string Champion, int? Version, double? ValidationMae, double? ValidationR2,
        double? LiveMae, int Versions, int Retrains, DateTime? LastTrainedAt, bool Training);

    /// <summary>The champions of a page of cities (<see cref="PageMetaDto.Found"/> counts the matching cities, not rows).</summary>
    public sealed record ModelListDto(int Count, IReadOnlyList<ModelSummaryDto> Models, PageMetaDto Meta);

    /// <summary>Cities of a model-list page when `limit` is not given (the whole default catalog).</summary>
    public const int DefaultLimit = 100;

    /// <summary>Most cities of one model-list page: each is a grain call and a registry.</summary>
    public const int MaxLimit = 500;

    /// <summary>A city's registry.</summary>
    public sealed record ModelPerformanceDto(string City, ModelRegistryView Registry);

    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/models").WithTags("Models");

        group.MapGet("/performance/{city}", GetPerformance)
            .WithName("GetModelPerformance")
            .WithSummary("Model registry and accuracy of a city")
            .WithDescription("Every target's champion and versions with `{city, model, version, trained_at, samples, metrics{r2, rmse, mae, mape}}` (validation, averaged over 1-48 h, and per horizon), band coverage, live accuracy of issued forecasts, retraining count and recent events. `registry.live_skill` lists, per target and horizon, the forecasts the service issued and scored once their hour was observed: `{target, horizon_hours, count, mae, persistence_mae, skill}` with persistence scored on the same hours and skill = 1 - mae / persistence_mae.");

        group.MapGet("/list", List)
            .Produces<ModelListDto>()
            .WithName("ListModels")
            .WithSummary("Champions of every city, a page of cities at a time")
            .WithDescription($"One row per city and target: the serving family and version, its validation MAE and R², live MAE, and retraining status. Paged by city in catalog order like the catalog: `limit` cities (default {DefaultLimit}, at most {MaxLimit}) and `page` (from 1); `meta.found` counts every matching city. Filters: `state` (case-insensitive) and `bbox=minLon,minLat,maxLon,maxLat`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/retrain/{city}", Retrain)
            .WithName("RetrainCity")
            .WithSummary("Retrain a city's models")
            .WithDescription("Queues a training of every family for the city (202). A challenger replaces the champion only if it is better on the same validation window. Needs an admin bearer token.")
            .RequireAuthorization(SecurityHosting.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/retrain/{job}", GetTrainingJob)
            .WithName("GetTrainingJob")
            .WithSummary("State of a training job")
            .WithDescription("A job of the cluster's training queue (the id a retrain answer gives): `queued`, `leased`, `running`, `done` or `failed`, its attempts (more than one when a silo died and another took it over), the silo holding or last holding it, and its times. Needs an admin bearer token.")
            .RequireAuthorization(SecurityHosting.AdminPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    internal static async Task<Results<Ok<ModelPerformanceDto>, ProblemHttpResult>> GetPerformance(string city, CityCatalog catalog, IGrainFactory grains, GrainCallPolicy policy)
    {
        if (catalog.Resolve(city) is not { } c) return Problems.UnknownCity(city, catalog);
        var view = await policy.RunAsync(_ => grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(c.Id)).GetModels());
        return TypedResults.Ok(new ModelPerformanceDto(c.Name, view));
    }

    internal static async Task<IResult> List(string? limit, string? page, string? state, string? bbox, CityCatalog catalog, IGrainFactory grains, GrainCallPolicy policy)
    {
        if (!Paging.TryParse(limit, page, DefaultLimit, MaxLimit, out var paging, out var bad)) return bad!;
        if (!ListFilters.TryState(state, out var st, out bad)) return bad!;
        if (!ListFilters.TryBox(bbox, out var box, out bad)) return bad!;
        var all = ListFilters.Cities(catalog.All, st, box);
        // Only the page's cities are asked: a catalog of thousands costs one page of grain calls, not thousands.
        var cities = paging.Of(all);
        var views = await policy.RunAsync(_ => Task.WhenAll(cities.Select(c => grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(c.Id)).GetModels())));
        var rows = new List<ModelSummaryDto>();
        foreach (var (c, v) in cities.Zip(views))
            foreach (var t in v.Targets)
            {
                var champion = t.Versions.FirstOrDefault(x => x.Version == t.ChampionVersion);
                rows.Add(new ModelSummaryDto(c.Name, c.Id, t.Target, t.Champion, t.ChampionVersion, champion?.Metrics.Mae, champion?.Metrics.R2,
                    t.LiveMae, t.Versions.Count, v.Retrains, v.LastTrainedAt, v.Training));
            }
        return TypedResults.Ok(new ModelListDto(rows.Count, rows, paging.Meta(all.Count)));
    }

    internal static async Task<Results<Accepted<RetrainAnswer>, Ok<RetrainAnswer>, ProblemHttpResult>> Retrain(string city, CityCatalog catalog, IGrainFactory grains)
    {
        if (catalog.Resolve(city) is not { } c) return Problems.UnknownCity(city, catalog);
        var answer = await grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(c.Id)).Retrain("manual (API)");
        var location = answer.JobId is { } job ? $"/api/v1/models/retrain/{job}" : $"/api/v1/models/performance/{c.Id}";
        return answer.Queued ? TypedResults.Accepted(location, answer) : TypedResults.Ok(answer);
    }

    internal static async Task<Results<Ok<TrainingJobView>, ProblemHttpResult>> GetTrainingJob(string job, IGrainFactory grains)
    {
        if (!long.TryParse(job, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || id <= 0)
            return Problems.BadParameter("job", $"'{Problems.Shown(job)}' is not a job id (a positive whole number, as a retrain answer gives it)");
        var view = await grains.GetGrain<ITrainingJobsGrain>(0).Get(id);
        return view is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown training job", detail: $"No training job {id} (finished jobs are kept for Forecasting:TrainingJobsKept).")
            : TypedResults.Ok(view);
    }
}
