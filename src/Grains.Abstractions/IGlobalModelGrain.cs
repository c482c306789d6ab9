using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The cluster's global forecasting model of one target (key: the target code, `pm25`): one activation in the
/// cluster trains it (daily, and once after the cold start's training) from every city's stored history, stores it in
/// the model artifact store, and tells the silos which trainings to hold.
/// </summary>
public interface IGlobalModelGrain : IGrainWithStringKey
{
    /// <summary>Registers the daily training (idempotent).</summary>
    Task Start();

    /// <summary>Starts a training unless one runs; true when this call started one. The training runs in the background.</summary>
    Task<bool> Train(string reason);

    /// <summary>
    /// Asks for the first model: as <see cref="Train"/>, except that after a training that found too little history
    /// it declines (false) for an hour before reading every history again.
    /// </summary>
    Task<bool> TrainFirst();

    /// <summary>The trainings kept (newest first); their artifacts are in the store under <see cref="GlobalModelKeys.StoreCity"/>.</summary>
    [ReadOnly]
    Task<IReadOnlyList<GlobalModelView>> GetKept();
}

/// <summary>Where the global family's artifacts live in the model artifact store.</summary>
public static class GlobalModelKeys
{
    /// <summary>The artifact store's city key of the global models (not a city id: city ids are slugs without underscores in front).</summary>
    public const string StoreCity = "_global";
}

/// <summary>One kept training of a global model.</summary>
/// <param name="Slot">The artifact store version it is stored under (slots are reused in turn).</param>
/// <param name="CpuSeconds">CPU seconds of pooling the histories and fitting.</param>
[GenerateSerializer, Immutable]
public sealed record GlobalModelView(string Id, string Target, int Slot, DateTime TrainedAt, int Cities, int Rows, double CpuSeconds, string Reason);
