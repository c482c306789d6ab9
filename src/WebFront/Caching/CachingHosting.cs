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
        services.AddHybridCache(o => o.MaximumPayloadBytes = 8 * 1024 * 1024)
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
        services.AddSingleton(sp => new AnswerCache(sp.GetRequiredService<HybridCache>(), sp.GetRequiredService<CacheMetrics>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<RedisAnswerStore>()));
        return builder;
    }
}
