namespace AirQuality.Silo;

/// <summary>What one process of the system runs (`run --role`).</summary>
public enum SiloRole
{
    /// <summary>Grains and the REST API/web front in one process (the default; the embedded mode's only shape).</summary>
    All,

    /// <summary>Grains only, with HTTP probes, metrics and the Orleans Dashboard.</summary>
    Silo,

    /// <summary>The REST API/web front as an Orleans client of the cluster: stateless, scaled on its own.</summary>
    Web,
}
