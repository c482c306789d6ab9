using System.Xml.Linq;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AirQuality.ServiceDefaults.Security;

/// <summary>
/// The browser session of the Orleans Dashboard: after a sign-in with a token, an ASP.NET Core authentication cookie
/// (encrypted and signed by Data Protection) carries the roles the token grants, never the token. HttpOnly,
/// SameSite=Strict, path <c>/dashboard</c>, <c>Secure</c> whenever the request is HTTPS (directly, or as a trusted
/// proxy says through <c>X-Forwarded-Proto</c>), and ends at sign-out or <see cref="AuthOptions.DashboardSessionLifetime"/>
/// after sign-in (absolute: using the dashboard does not extend it).
/// </summary>
/// <remarks>
/// Every process that serves the dashboard must read the others' cookies, so the Data Protection key ring is shared:
/// in a mounted directory when <c>DataProtection:KeysDirectory</c> is set, else in PostgreSQL
/// (<c>aq_data_protection_keys</c>) in cluster mode, else in memory (embedded mode: one process; sessions end with it).
/// </remarks>
public static class DashboardSession
{
    public const string SchemeName = "DashboardSession";

    /// <summary>The scheme the dashboard policy uses: the bearer token when a request sends one, else the session cookie.</summary>
    public const string SelectorScheme = "Dashboard";

    public const string KeysDirectorySetting = "DataProtection:KeysDirectory";

    /// <summary>Application name of the key ring: every role and process of the system shares it.</summary>
    public const string ApplicationName = "airquality";

    internal static void Add(IHostApplicationBuilder builder, AuthenticationBuilder authentication)
    {
        var config = builder.Configuration;
        var protection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        var directory = config[KeysDirectorySetting];
        var postgres = config.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(directory))
            protection.PersistKeysToFileSystem(new DirectoryInfo(directory));
        else
            builder.Services.Configure<KeyManagementOptions>(o => o.XmlRepository = string.IsNullOrWhiteSpace(postgres)
                ? new MemoryXmlRepository()
                : new PostgresXmlRepository(postgres));

        authentication.AddCookie(SchemeName, o =>
        {
            o.Cookie.Name = AdminTokenHandler.CookieName;
            o.Cookie.Path = DashboardLogin.DashboardPath;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = false;
            o.LoginPath = DashboardLogin.LoginPath;
            o.LogoutPath = DashboardLogin.LogoutPath;
            // The token scheme answers as for the bearer: a browser asking for a page goes to the sign-in form,
            // anything else gets the 401/403 problem details.
            o.Events.OnRedirectToLogin = ctx => ctx.HttpContext.ChallengeAsync(AdminTokenHandler.SchemeName);
            o.Events.OnRedirectToAccessDenied = ctx => ctx.HttpContext.ForbidAsync(AdminTokenHandler.SchemeName);
        });
        builder.Services.AddOptions<CookieAuthenticationOptions>(SchemeName).Configure<IServiceProvider, IOptions<AuthOptions>>((o, services, auth) =>
        {
            o.ExpireTimeSpan = auth.Value.DashboardSessionLifetime;
            o.TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        });
        authentication.AddPolicyScheme(SelectorScheme, null, o => o.ForwardDefaultSelector = ctx =>
            ctx.Request.Headers.Authorization.Count > 0 ? AdminTokenHandler.SchemeName : SchemeName);
    }

    /// <summary>Keys of one process (embedded mode).</summary>
    private sealed class MemoryXmlRepository : IXmlRepository
    {
        private readonly List<XElement> _elements = [];

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            lock (_elements) return [.. _elements.Select(e => new XElement(e))];
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            lock (_elements) _elements.Add(new XElement(element));
        }
    }

    /// <summary>
    /// The key ring in PostgreSQL (table <c>aq_data_protection_keys</c>, made by `migrate`), shared by every process of
    /// the cluster. The keys are stored as Data Protection writes them (not encrypted at rest): the database's access
    /// rules protect them like the rest of the data.
    /// </summary>
    private sealed class PostgresXmlRepository(string connectionString) : IXmlRepository
    {
        private readonly NpgsqlDataSource _source = new NpgsqlDataSourceBuilder(connectionString)
        {
            ConnectionStringBuilder = { ApplicationName = "airquality-keys" },
        }.Build();

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var cmd = _source.CreateCommand("SELECT xml FROM aq_data_protection_keys ORDER BY created_at");
            using var reader = cmd.ExecuteReader();
            var result = new List<XElement>();
            while (reader.Read()) result.Add(XElement.Parse(reader.GetString(0)));
            return result;
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var cmd = _source.CreateCommand(
                "INSERT INTO aq_data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO UPDATE SET xml = EXCLUDED.xml");
            cmd.Parameters.AddWithValue("name", friendlyName);
            cmd.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
            cmd.ExecuteNonQuery();
        }
    }
}
