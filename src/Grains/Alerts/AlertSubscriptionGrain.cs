using System.Security.Cryptography;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Alerts;

/// <summary>Persisted state of a subscription.</summary>
[GenerateSerializer]
public sealed class AlertSubscriptionState
{
    [Id(0)] public AlertSubscriptionSpec? Spec { get; set; }
    [Id(1)] public string? Secret { get; set; }
    [Id(2)] public DateTime CreatedAt { get; set; }
    [Id(3)] public Dictionary<string, RuleTrack> Tracks { get; set; } = [];
    [Id(4)] public Dictionary<string, DateTime> LastSent { get; set; } = [];
    [Id(5)] public List<Alert> Held { get; set; } = [];
    [Id(6)] public List<Alert> Outbox { get; set; } = [];
    [Id(7)] public List<AlertDelivery> Deliveries { get; set; } = [];
    [Id(8)] public List<AlertDeadLetter> DeadLetters { get; set; } = [];
    [Id(9)] public long Sequence { get; set; }
    [Id(10)] public int Delivered { get; set; }
    [Id(11)] public int DeadLettered { get; set; }
    [Id(12)] public DateTime? LastAlertAt { get; set; }
    [Id(13)] public long Evaluations { get; set; }
    [Id(14)] public DateTime? LastEvaluatedAt { get; set; }
}

/// <summary>
/// One subscription: applies its rules to what cities report, de-duplicates, holds alerts in quiet hours, and delivers
/// from a persisted outbox (webhook with retries, then a dead letter; and the dashboard). Deliveries run in the
/// background on the grain's scheduler, so evaluations are never held up by a slow receiver; an outbox left by a
/// silo that died is picked up by the next activation.
/// </summary>
public sealed class AlertSubscriptionGrain(
    [PersistentState("alertsubscription", GrainStorage.Name)] IPersistentState<AlertSubscriptionState> state,
    WebhookSender webhooks,
    TimeProvider clock,
    IOptions<AlertOptions> options,
    ILogger<AlertSubscriptionGrain> logger) : Grain, IAlertSubscriptionGrain
{
    private readonly AsyncLock _writes = new();
    private readonly AlertOptions _options = options.Value;
    private Task? _pump;
    private string Id => GrainKeys.SubscriptionIdOf(this.GetPrimaryKeyString());
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Outbox.Count > 0) Pump();
        return Task.CompletedTask;
    }

    public async Task<CreatedAlertSubscription> Create(AlertSubscriptionSpec spec)
    {
        if (state.State.Spec is not null) throw new InvalidOperationException($"Subscription {Id} exists");
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        state.State = new AlertSubscriptionState { Spec = spec, Secret = secret, CreatedAt = Now };
        await WriteAsync();
        await GrainFactory.GetGrain<IAlertIndexGrain>(GrainKeys.AlertIndex)
            .Add(Id, spec.Cities, spec.Rules.Any(r => r.Kind == AlertRuleKind.SourceOutage));
        logger.LogInformation("Alert subscription {Id} ({Name}) created: {Rules} rule(s), {Cities}", Id, spec.Name, spec.Rules.Count,
            spec.Cities.Count == 0 ? "every city" : string.Join(",", spec.Cities));
        return new CreatedAlertSubscription(View()!, secret);
    }

    public Task<AlertSubscriptionView?> Get() => Task.FromResult(View());

    public async Task<bool> Delete()
    {
        if (state.State.Spec is null) return false;
        await GrainFactory.GetGrain<IAlertIndexGrain>(GrainKeys.AlertIndex).Remove(Id);
        await _writes.Run(() => state.ClearStateAsync());
        state.State = new AlertSubscriptionState();
        return true;
    }

    public Task<AlertDeliveryLog?> GetDeliveries(int limit)
    {
        var s = state.State;
        if (s.Spec is null) return Task.FromResult<AlertDeliveryLog?>(null);
        limit = Math.Clamp(limit, 1, 1000);
        return Task.FromResult<AlertDeliveryLog?>(new AlertDeliveryLog(Id,
            s.Deliveries.AsEnumerable().Reverse().Take(limit).ToList(),
            s.DeadLetters.AsEnumerable().Reverse().Take(limit).ToList(),
            s.Held.ToList(), s.Outbox.Count));
    }

    public async Task Evaluate(CityAlertSnapshot snapshot)
    {
        if (state.State.Spec is not { } spec || !spec.Covers(snapshot.CityId)) return;
        await RaiseAsync(AlertRules.Evaluate(Id, spec, snapshot, state.State.Tracks), trackChanged: true);
    }

    public async Task EvaluateSources(SourceAlertSnapshot snapshot)
    {
        if (state.State.Spec is not { } spec || spec.Rules.All(r => r.Kind != AlertRuleKind.SourceOutage)) return;
        await RaiseAsync(AlertRules.EvaluateSources(Id, spec, snapshot, state.State.Tracks), trackChanged: true);
    }

    public async Task Tick()
    {
        if (state.State.Spec is null) return;
        if (await ReleaseHeld()) await WriteAsync();
        if (state.State.Outbox.Count > 0) Pump();
    }

    /// <summary>De-duplicates, numbers, holds (quiet hours) or queues the alerts raised; persists the tracks.</summary>
    private async Task RaiseAsync(IReadOnlyList<RaisedAlert> raised, bool trackChanged)
    {
        var s = state.State;
        var spec = s.Spec!;
        var now = Now;
        s.Evaluations++;
        s.LastEvaluatedAt = now;
        var changed = trackChanged && raised.Count > 0;
        foreach (var (key, draft) in raised)
        {
            if (s.LastSent.TryGetValue(key, out var last) && now - last < spec.Cooldown)
            {
                logger.LogDebug("Alert {Key} of {Id} suppressed: sent {Ago} ago", key, Id, now - last);
                continue;
            }
            s.LastSent[key] = now;
            var alert = draft with { Id = $"{Id}-{++s.Sequence}", At = now };
            s.LastAlertAt = now;
            if (spec.Quiet is { } quiet && quiet.Contains(now)) s.Held.Add(alert);
            else s.Outbox.Add(alert);
            changed = true;
        }
        foreach (var stale in s.LastSent.Where(kv => now - kv.Value > spec.Cooldown).Select(kv => kv.Key).ToList()) s.LastSent.Remove(stale);
        changed |= await ReleaseHeld();
        // The tracks change on most evaluations only when a level moves; writing every time is cheap next to a poll.
        if (changed || trackChanged) await WriteAsync();
        if (s.Outbox.Count > 0) Pump();
    }

    /// <summary>Moves alerts held by quiet hours that have ended to the outbox, marked with when they were released.</summary>
    private Task<bool> ReleaseHeld()
    {
        var s = state.State;
        var now = Now;
        if (s.Held.Count == 0 || (s.Spec!.Quiet is { } quiet && quiet.Contains(now))) return Task.FromResult(false);
        s.Outbox.AddRange(s.Held.Select(a => a with { HeldUntil = now }));
        s.Held.Clear();
        return Task.FromResult(true);
    }

    private void Pump()
    {
        if (_pump is { IsCompleted: false }) return;
        _pump = DeliverAllAsync();
    }

    private async Task DeliverAllAsync()
    {
        // Runs on the grain's scheduler: state is touched only here and in grain calls, never at the same time.
        while (state.State.Spec is { } spec && state.State.Outbox.Count > 0)
        {
            var alert = state.State.Outbox[0];
            try
            {
                if (spec.Dashboard)
                {
                    GrainFactory.GetGrain<IAlertPushGrain>(GrainKeys.AlertPush).Publish(alert).Ignore();
                    Log(new AlertDelivery(alert.Id, alert.Event, alert.CityId, "dashboard", Now, true, 1, null, null, []));
                }
                if (spec.Webhook is { } hook && state.State.Secret is { } secret)
                {
                    var body = AlertPayloads.Body(alert, hook.Format);
                    var result = await webhooks.SendAsync(hook, secret, alert.Id, alert.Event, body);
                    if (state.State.Spec is null) return;
                    Log(new AlertDelivery(alert.Id, alert.Event, alert.CityId, "webhook", Now, result.Delivered, result.Attempts, result.Status, result.Error, result.AttemptLog));
                    if (result.Delivered) state.State.Delivered++;
                    else
                    {
                        state.State.DeadLettered++;
                        state.State.DeadLetters.Add(new AlertDeadLetter(alert, Now, result.Attempts, result.Error ?? "failed", System.Text.Encoding.UTF8.GetString(body)));
                        if (state.State.DeadLetters.Count > _options.DeadLettersKept) state.State.DeadLetters.RemoveRange(0, state.State.DeadLetters.Count - _options.DeadLettersKept);
                        logger.LogWarning("Alert {Alert} to {Url} dead-lettered after {Attempts} attempt(s): {Error}", alert.Id, hook.Url, result.Attempts, result.Error);
                    }
                }
                else if (spec.Dashboard) state.State.Delivered++;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Delivery of alert {Alert} failed unexpectedly; it is dead-lettered", alert.Id);
                state.State.DeadLettered++;
                state.State.DeadLetters.Add(new AlertDeadLetter(alert, Now, 0, ex.Message, ""));
            }
            state.State.Outbox.Remove(alert);
            try
            {
                await WriteAsync();
            }
            catch (Exception ex)
            {
                // The delivery is logged in memory; the next write (or the next activation) carries on from the stored outbox.
                logger.LogWarning(ex, "Could not persist the delivery of {Alert}", alert.Id);
                return;
            }
        }
    }

    private void Log(AlertDelivery delivery)
    {
        var list = state.State.Deliveries;
        list.Add(delivery);
        if (list.Count > _options.DeliveriesKept) list.RemoveRange(0, list.Count - _options.DeliveriesKept);
    }

    private AlertSubscriptionView? View()
    {
        var s = state.State;
        if (s.Spec is null) return null;
        return new AlertSubscriptionView(Id, s.Spec, s.CreatedAt, (int)s.Sequence, s.Delivered, s.DeadLettered, s.Held.Count, s.Outbox.Count, s.LastAlertAt, s.Evaluations, s.LastEvaluatedAt);
    }

    private Task WriteAsync() => _writes.Run(() => state.WriteStateAsync());
}
