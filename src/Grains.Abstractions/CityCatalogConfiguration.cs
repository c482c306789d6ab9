using AirQuality.Domain.Cities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The one way a process gets its city catalog: `Cities:CatalogPath` and `Cities:AliasesPath` when set, else the
/// built-in 56 cities. Grains, web front and the command-line verbs all load it here, so they agree on the cities.
/// </summary>
public static class CityCatalogConfiguration
{
    public const string CatalogPathKey = "Cities:CatalogPath";
    public const string AliasesPathKey = "Cities:AliasesPath";

    /// <exception cref="InvalidDataException">The catalog or alias file is invalid (the message names the line).</exception>
    public static CityCatalog Load(IConfiguration configuration)
    {
        var path = configuration[CatalogPathKey];
        return string.IsNullOrWhiteSpace(path) ? CityCatalog.Default : CityCatalog.Load(path, configuration[AliasesPathKey]);
    }

    /// <summary>Registers the catalog once (a second call, from another part of the same host, keeps the first).</summary>
    public static IServiceCollection AddCityCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => Load(configuration));
        return services;
    }
}
