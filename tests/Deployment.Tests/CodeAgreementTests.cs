using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using AirQuality.Deployment.Tests.Support;
using AirQuality.TestSupport;
using Npgsql;

namespace AirQuality.Deployment.Tests;

/// <summary>The deployment's commands, environment and probe paths, tried against the code itself.</summary>
public class CodeAgreementTests
{
    [Fact]
    public async Task Migrate_command_of_the_deployment_creates_the_schema_and_a_second_run_changes_nothing()
    {
        var compose = Yaml.Load("docker-compose.yml")["services"]["migrate"]["command"].Strings;
        var job = Yaml.Load("k8s/migrate-job.yaml")["spec"]["template"]["spec"]["containers"].Items.Single()["args"].Strings;
        Assert.Equal(compose, job);

        var database = await TestServices.CreateDatabaseAsync("aq_deploy_migrate");
        try
        {
            var env = new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = database };
            var first = await SiloApp.RunAsync(compose, env);
            Assert.True(first.ExitCode == 0, first.ToString());
            var tables = await CountTablesAsync(database);
            Assert.True(tables > 0, "the migration created tables");
            var second = await SiloApp.RunAsync(compose, env);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal(tables, await CountTablesAsync(database));
        }
        finally
        {
            await TestServices.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Migrate_command_fails_clearly_without_a_connection_string()
    {
        var result = await SiloApp.RunAsync(DeploymentContract.MigrateCommand, new Dictionary<string, string?>());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ConnectionStrings__Postgres", result.Error);
    }

    [Fact]
    public void Code_reads_every_environment_variable_of_the_contract()
    {
        foreach (var name in DeploymentContract.EnvironmentNames.Except(DeploymentContract.ReadByFrameworks))
        {
            if (!name.Contains("__", StringComparison.Ordinal))
            {
                Assert.True(SourceCode.Contains($"\"{name}\""), $"no C# source under src/ reads \"{name}\"");
                continue;
            }
            // Configuration keys: `A__B__0` is `A:B` (an array); code may spell the key out or bind a section to a class.
            var segments = name.Split("__").Where(s => !s.All(char.IsAsciiDigit)).ToList();
            var key = string.Join(':', segments);
            var read = SourceCode.Contains($"\"{key}\"")
                       || (segments[0] == "ConnectionStrings" && SourceCode.Contains($"GetConnectionString(\"{segments[1]}\")"))
                       || (SourceCode.Contains($"\"{segments[0]}\"") && SourceCode.Contains(segments[^1]));
            Assert.True(read, $"no C# source under src/ reads the configuration key {key} (environment {name})");
        }
    }

    [Fact]
    public async Task Retrain_workflow_step_gets_a_2xx_from_the_real_api_with_the_admin_token_only()
    {
        // The whole system in one process (`run`, embedded), as a developer runs it; the API is the same in every role.
        var http = Processes.FreePort();
        await using var app = SiloApp.Start(["run"], new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http}",
            ["Orleans__SiloPort"] = Processes.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = Processes.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Auth__AdminTokens__0"] = "deploy-test-token",
        });
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await WaitForAsync(client, $"http://127.0.0.1:{http}{DeploymentContract.ApiHealth}", app);

        var accepted = await WorkflowTests.RunRetrainStep($"http://127.0.0.1:{http}", "Delhi", "deploy-test-token");
        Assert.True(accepted.ExitCode == 0, "retrain step with the admin token: " + accepted + "\n" + app.Output);
        var refused = await WorkflowTests.RunRetrainStep($"http://127.0.0.1:{http}", "Delhi", "not-the-token");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("HTTP 401", refused.Output);
    }

    [Fact]
    public void Push_hubs_live_under_the_path_nginx_upgrades_to_websockets()
    {
        Assert.NotEmpty(SourceCode.FilesContaining("\"" + DeploymentContract.HubsPrefix));
        Assert.Empty(SourceCode.Matches(new System.Text.RegularExpressions.Regex(@"MapHub<[^>]+>\(\s*""(?!/hubs/)")));
    }

    /// <summary>
    /// `run --role silo` neither registers nor loads the web front: once the silo serves, the process has mapped the
    /// grains' assembly and not AirQuality.WebFront.dll (what the runtime has loaded, as /proc shows it).
    /// </summary>
    [Fact]
    public async Task A_silo_only_process_does_not_load_the_web_front_assembly()
    {
        Assert.True(File.Exists("/proc/self/maps"), "needs Linux /proc to see the loaded assemblies");
        var port = Processes.FreePort();
        await using var silo = SiloApp.Start(DeploymentContract.SiloCommand, new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Orleans__SiloPort"] = Processes.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = Processes.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Management__Port"] = Processes.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Cities__BackfillDays"] = "2",
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await WaitForAsync(http, $"http://127.0.0.1:{port}{DeploymentContract.Ready}", silo);

        var loaded = File.ReadAllLines($"/proc/{silo.Id}/maps").Select(l => Path.GetFileName(l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()))
            .Where(f => f.StartsWith("AirQuality.", StringComparison.Ordinal)).ToHashSet();
        Assert.Contains("AirQuality.Grains.dll", loaded);
        Assert.DoesNotContain("AirQuality.WebFront.dll", loaded);
    }

    /// <summary>
    /// A silo and a web front started exactly as compose starts them (commands, environment names), on loopback
    /// ports with the real PostgreSQL and Redis: every probe the deployment uses answers, and SIGTERM ends both in time.
    /// </summary>
    [Fact]
    public async Task Silo_and_web_roles_serve_the_probes_the_deployment_uses()
    {
        var compose = Yaml.Load("docker-compose.yml")["services"];
        var database = await TestServices.CreateDatabaseAsync("aq_deploy_roles");
        try
        {
            var migrated = await SiloApp.RunAsync(compose["migrate"]["command"].Strings, new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = database });
            Assert.True(migrated.ExitCode == 0, migrated.ToString());

            var (siloHttp, webHttp) = (Processes.FreePort(), Processes.FreePort());
            var loopback = new Dictionary<string, string?>
            {
                ["ConnectionStrings__Postgres"] = database,
                ["ConnectionStrings__Redis"] = TestServices.Redis,
                ["Orleans__SiloPort"] = Processes.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = Processes.FreePort().ToString(CultureInfo.InvariantCulture),
                ["ORLEANS_CLUSTER_ID"] = "deploy-test-" + Guid.NewGuid().ToString("N")[..8],
                ["ORLEANS_SERVICE_ID"] = "airquality",
                ["Auth__AdminTokens__0"] = "deploy-test-token",
                ["POD_NAME"] = "silo-deploy-test",
                ["POD_IP"] = "127.0.0.1",
                // As compose passes unset optional settings: present and empty.
                ["CPCB_API_KEY"] = "",
                ["OPENWEATHER_API_KEY"] = "",
                ["IQAIR_API_KEY"] = "",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
                ["ForwardedHeaders__KnownNetworks__0"] = "172.16.0.0/12",
                ["Management__Port"] = null, // each role's own, below
            };
            var (siloManagement, webManagement) = (Processes.FreePort(), Processes.FreePort());
            var siloEnv = Environment(compose["silo"]["environment"].Keys.Concat(DeploymentContract.SetByEntrypoint), loopback, siloHttp);
            var webEnv = Environment(compose["web"]["environment"].Keys, loopback, webHttp);
            siloEnv["Management__Port"] = siloManagement.ToString(CultureInfo.InvariantCulture);
            webEnv["Management__Port"] = webManagement.ToString(CultureInfo.InvariantCulture);

            await using var silo = SiloApp.Start(compose["silo"]["command"].Strings, siloEnv);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await WaitForAsync(http, $"http://127.0.0.1:{siloHttp}{DeploymentContract.Ready}", silo);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{siloHttp}{DeploymentContract.Live}")).StatusCode);
            // Metrics on the management port only; the management port answers nothing but metrics and probes.
            var metrics = await http.GetAsync($"http://127.0.0.1:{siloManagement}{DeploymentContract.Metrics}");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Contains("# TYPE", await metrics.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{siloHttp}{DeploymentContract.Metrics}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{siloManagement}{DeploymentContract.Ready}")).StatusCode);
            // The dashboard is not served there (the token check answers first without a token, the 404 after it with one).
            Assert.NotEqual(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{siloManagement}{DeploymentContract.Dashboard}/")).StatusCode);
            // No automatic redirects: HttpClient drops the Authorization header when it follows one (/dashboard -> /dashboard/).
            using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
            var anonymous = await noRedirects.GetAsync($"http://127.0.0.1:{siloHttp}{DeploymentContract.Dashboard}");
            Assert.True(anonymous.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"the dashboard answered {anonymous.StatusCode} without the admin token");
            using var withToken = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{siloHttp}{DeploymentContract.Dashboard}");
            withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "deploy-test-token");
            var dashboard = await noRedirects.SendAsync(withToken);
            Assert.True((int)dashboard.StatusCode is >= 200 and < 400, $"the dashboard answered {dashboard.StatusCode} with the admin token");

            await using var web = SiloApp.Start(compose["web"]["command"].Strings, webEnv);
            await WaitForAsync(http, $"http://127.0.0.1:{webHttp}{DeploymentContract.Ready}", web);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{webHttp}{DeploymentContract.ApiHealth}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{webManagement}{DeploymentContract.Metrics}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{webHttp}{DeploymentContract.Metrics}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{webManagement}{DeploymentContract.ApiHealth}")).StatusCode);

            // The image's HEALTHCHECK, pointed at each role.
            foreach (var port in new[] { siloHttp, webHttp })
            {
                var script = Dockerfile.Runtime.Last("HEALTHCHECK")!.Arguments;
                var exec = System.Text.Json.JsonSerializer.Deserialize<string[]>(script[(script.IndexOf(" CMD ", StringComparison.Ordinal) + 5)..])!;
                var check = await Processes.RunAsync(exec[0], [exec[1], exec[2].Replace($"/{DeploymentContract.HttpPort} ", $"/{port} ", StringComparison.Ordinal)]);
                Assert.True(check.ExitCode == 0, $"HEALTHCHECK against port {port}: {check}");
            }

            // SIGTERM, as Docker and Kubernetes stop containers: both end well inside the silo's grace period.
            var grace = TimeSpan.FromSeconds(Yaml.Load("k8s/silo-deployment.yaml")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].Int);
            Assert.True(await web.TerminateAsync(grace), "the web front did not stop on SIGTERM:\n" + web.Output);
            Assert.True(await silo.TerminateAsync(grace), "the silo did not stop on SIGTERM within the grace period:\n" + silo.Output);
        }
        finally
        {
            await TestServices.DropDatabaseAsync(database);
        }
    }

    /// <summary>The names a compose service sets, with loopback values, and the HTTP address for this test.</summary>
    private static Dictionary<string, string?> Environment(IEnumerable<string> names, IReadOnlyDictionary<string, string?> values, int httpPort)
    {
        var env = names.ToDictionary(n => n, n => values[n]);
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        return env;
    }

    private static Task WaitForAsync(HttpClient http, string url, ChildProcess process) =>
        Eventually.UntilAsync(async () =>
        {
            Assert.False(process.HasExited, $"the process ended before {url} answered:\n{process.Output}");
            try
            {
                return (await http.GetAsync(url)).StatusCode == HttpStatusCode.OK;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false; // not listening yet
            }
        }, TimeSpan.FromSeconds(90), $"{url} answering 200 (output so far: {process.Output})");

    private static async Task<long> CountTablesAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
