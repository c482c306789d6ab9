using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using StackExchange.Redis;

namespace AirQuality.WebFront.Caching;

/// <summary>Registers the answer cache: in-process always, Redis as the shared tier when `ConnectionStrings:Redis` is set.</summary>
public static class CachingHosting
{
    public static IHostApplicationBuilder AddAnswerCache(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<CacheMetrics>();
        var limits = builder.Configuration.GetSection(AnswerCacheOptions.Section).Get<AnswerCacheOptions>() ?? new AnswerCacheOptions();
        // Read while the host is built, so checked here: a bad bound stops the start rather than the first answer.
        List<string> errors = [];
        if (limits.MemoryLimitMegabytes < 1) errors.Add($"Cache:MemoryLimitMegabytes is {limits.MemoryLimitMegabytes}; it must be at least 1.");
        if (limits.MaximumEntryKilobytes < 1) errors.Add($"Cache:MaximumEntryKilobytes is {limits.MaximumEntryKilobytes}; it must be at least 1.");
        if (limits.HotAnswerEntries < 0) errors.Add($"Cache:HotAnswerEntries is {limits.HotAnswerEntries}; it must be 0 (sized by the catalog) or more.");
        if (errors.Count > 0) throw new Microsoft.Extensions.Options.OptionsValidationException(AnswerCacheOptions.Section, typeof(AnswerCacheOptions), errors);
        services.AddSingleton(limits);
        services.AddSingleton(sp => new HotAnswers(sp.GetRequiredService<TimeProvider>(),
            limits.HotAnswerEntries > 0 ? limits.HotAnswerEntries : HotAnswers.BoundFor(sp.GetRequiredService<AirQuality.Domain.Cities.CityCatalog>().All.Count)));
        // The memory tier is bounded by size: HybridCache gives every entry its payload's size in bytes, so the
        // tier holds at most MemoryLimitMegabytes of answers, evicting the least used; an answer above
        // MaximumEntryKilobytes is served but not kept.
        services.AddMemoryCache(o => o.SizeLimit = limits.MemoryLimitMegabytes * 1024L * 1024L);
        services.AddHybridCache(o =>
            {
                o.MaximumPayloadBytes = limits.MaximumEntryKilobytes * 1024L;
                o.MaximumKeyLength = 512;
            })
            .AddSerializer<CachedAnswer, CachedAnswerSerializer>();
        var redis = builder.Configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<IConnectionMultiplexer>(sp =>
            {
                var options = ConfigurationOptions.Parse(redis);
                // Never block start-up or an answer on Redis: connect in the background, fail fast while it is down.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 2000;
                options.SyncTimeout = 1000;
                options.AsyncTimeout = 1000;
                options.ConnectRetry = 1;
                return ConnectionMultiplexer.Connect(options);
            });
            services.AddSingleton<RedisAnswerStore>();
            services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<RedisAnswerStore>());
        }
        AirQuality.WebFront.Infrastructure.GrainCallHosting.AddGrainCallPolicy(services, builder.Configuration);
        services.AddSingleton(sp => new AnswerCache(sp.GetRequiredService<HybridCache>(), sp.GetRequiredService<CacheMetrics>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<AirQuality.WebFront.Infrastructure.GrainCallPolicy>(),
            sp.GetRequiredService<LastKnownAnswers>(), sp.GetRequiredService<HotAnswers>(), sp.GetRequiredService<ILogger<AnswerCache>>(),
            sp.GetService<RedisAnswerStore>()));
        return builder;
    }
}

/// <summary>Bounds of the answer cache (configuration section `Cache`).</summary>
public sealed class AnswerCacheOptions
{
    public const string Section = "Cache";

    /// <summary>Most memory the in-process tier holds, in MiB (payload bytes).</summary>
    public int MemoryLimitMegabytes { get; set; } = 64;

    /// <summary>Largest answer kept, in KiB (a 90-day history is about 1 MiB); larger answers are served uncached.</summary>
    public int MaximumEntryKilobytes { get; set; } = 2048;

    /// <summary>
    /// Most ready answers kept ahead of the cache (see <see cref="HotAnswers"/>); 0, the default, sizes it by the
    /// catalog: four per place, at least 4,096.
    /// </summary>
    public int HotAnswerEntries { get; set; }
}
