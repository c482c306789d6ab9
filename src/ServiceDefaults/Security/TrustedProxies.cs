using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace AirQuality.ServiceDefaults.Security;

/// <summary>
/// Which reverse proxies may say who the client is (configuration section `ForwardedHeaders`). By default none:
/// `X-Forwarded-For` and `X-Forwarded-Proto` are ignored, and the client is the socket's address.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies (`ForwardedHeaders__KnownProxies__0=10.0.0.5`).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form (`ForwardedHeaders__KnownNetworks__0=10.0.0.0/8`).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row are trusted (nginx in front of an Ingress is 2).</summary>
    public int ForwardLimit { get; set; } = 1;
}

/// <summary>Forwarded-headers processing that trusts only the configured proxies and networks.</summary>
public static class TrustedProxies
{
    public static IHostApplicationBuilder AddTrustedProxies(this IHostApplicationBuilder builder)
    {
        var o = builder.Configuration.GetSection(TrustedProxyOptions.Section).Get<TrustedProxyOptions>() ?? new TrustedProxyOptions();
        builder.Services.Configure<ForwardedHeadersOptions>(f =>
        {
            f.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            f.ForwardLimit = Math.Max(1, o.ForwardLimit);
            // The framework trusts loopback by default; this service trusts exactly what is configured.
            f.KnownProxies.Clear();
            f.KnownIPNetworks.Clear();
            foreach (var p in o.KnownProxies.Where(p => !string.IsNullOrWhiteSpace(p)))
                f.KnownProxies.Add(IPAddress.Parse(p.Trim()));
            foreach (var n in o.KnownNetworks.Where(n => !string.IsNullOrWhiteSpace(n)))
                f.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(n.Trim()));
        });
        return builder;
    }

    /// <summary>The key a client's requests are limited under: its address, an IPv6 address by its /64 network.</summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        // One subscriber usually holds a whole /64: keying by the full address would give them 2^64 buckets.
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
