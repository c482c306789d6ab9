using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Storage;

/// <summary>
/// Runs <see cref="IStorageMaintenance"/> once a day from the `maintenance` reminder (and on demand). Not reentrant:
/// two runs never overlap, and each is idempotent, so a reminder that fires twice does no harm.
/// </summary>
public sealed class StorageMaintenanceGrain(
    IStorageMaintenance maintenance,
    TimeProvider clock,
    IOptions<MaintenanceOptions> options,
    ILogger<StorageMaintenanceGrain> logger) : Grain, IStorageMaintenanceGrain, IRemindable
{
    public const string Reminder = "maintenance";

    private MaintenanceReport? _last;
    private string? _lastError;

    public async Task Start()
    {
        if (await this.GetReminder(Reminder) is null)
            await this.RegisterOrUpdateReminder(Reminder, options.Value.FirstRunDelay, options.Value.Period);
    }

    public async Task<MaintenanceReport> RunNow()
    {
        try
        {
            _last = await maintenance.RunAsync(clock.GetUtcNow().UtcDateTime);
            _lastError = null;
            return _last;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _lastError = ex.Message;
            throw;
        }
    }

    public async Task<MaintenanceStatus> GetStatus() =>
        new(await this.GetReminder(Reminder) is not null, options.Value.Period, _last, _lastError);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Reminder) return;
        try
        {
            await RunNow();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The next tick tries again; the error stays visible in GetStatus meanwhile.
            logger.LogError(ex, "Storage maintenance failed");
        }
    }
}
