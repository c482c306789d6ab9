using Orleans.Configuration;

namespace AirQuality.Silo;

/// <summary>
/// How quickly the cluster notices a silo that died without leaving (SIGKILL, lost node), and so how long its grains
/// stay unreachable before they are activated elsewhere. Tuned here for a small cluster on one network, and
/// overridable per setting under <c>Orleans:Membership</c> (any <see cref="ClusterMembershipOptions"/> property, e.g.
/// <c>Orleans__Membership__ProbeTimeout=00:00:05</c>).
/// </summary>
public static class FailureDetection
{
    public const string Section = "Orleans:Membership";

    /// <summary>Applies this project's defaults, then whatever the configuration sets.</summary>
    public static void Configure(ClusterMembershipOptions o, IConfiguration config)
    {
        // Orleans' defaults (5 s probes, 30 s heartbeats, 60 s table refresh) take a minute or more to evict a dead
        // silo from a two-silo cluster, where no second voter exists and staleness of the heartbeat decides.
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 3;
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        o.NumMissedTableIAmAliveLimit = 2;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(60);
        config.GetSection(Section).Bind(o);
    }

    /// <summary>
    /// The time within which a killed silo's grains answer again from another silo: the slower of the two ways a
    /// death is established (missed probes, or a heartbeat gone stale in the table, which decides when no second
    /// voter is left), plus the time Orleans' own test host allows for the news to spread and settle after a kill
    /// (5 s with gossip, else two table refreshes).
    /// </summary>
    public static TimeSpan Budget(ClusterMembershipOptions o)
    {
        var byProbes = o.ProbeTimeout * o.NumMissedProbesLimit;
        var byHeartbeat = o.IAmAliveTablePublishTimeout * o.NumMissedTableIAmAliveLimit;
        var spread = o.UseLivenessGossip ? TimeSpan.FromSeconds(5) : o.TableRefreshTimeout * 2;
        return (byProbes > byHeartbeat ? byProbes : byHeartbeat) + spread;
    }
}
