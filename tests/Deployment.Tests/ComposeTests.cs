using System.Text.RegularExpressions;
using AirQuality.Deployment.Tests.Support;

namespace AirQuality.Deployment.Tests;

public partial class ComposeTests
{
    private static readonly Yaml Compose = Yaml.Load("docker-compose.yml");
    private static readonly Yaml Services = Compose["services"];
    private static readonly string[] AppServices = ["migrate", "silo", "web"];

    [Fact]
    public void Runs_the_database_redis_migration_silos_web_front_and_nginx()
    {
        Assert.Equal(["timescaledb", "redis", "migrate", "silo", "web", "nginx"], Services.Keys);
        Assert.StartsWith("timescale/timescaledb:", Services["timescaledb"]["image"].String);
        Assert.EndsWith("-pg16", Services["timescaledb"]["image"].String);
        Assert.StartsWith("redis:", Services["redis"]["image"].String);
    }

    [Theory]
    [InlineData("timescaledb", "/var/lib/postgresql/data")]
    [InlineData("redis", "/data")]
    public void Stateful_services_keep_their_data_in_named_volumes_and_report_health(string service, string dataPath)
    {
        var volume = Assert.Single(Services[service]["volumes"].Strings);
        var name = volume.Split(':')[0];
        Assert.Equal(dataPath, volume.Split(':')[1]);
        Assert.Contains(name, Compose["volumes"].Keys);
        Assert.True(Services[service]["healthcheck"]["test"].IsList, $"{service} has a health check");
    }

    [Fact]
    public void Every_service_has_cpu_and_memory_limits()
    {
        foreach (var (name, service) in Services.Entries)
        {
            var limits = service["deploy"]["resources"]["limits"];
            Assert.True(limits["cpus"].Exists && limits["memory"].Exists, $"{name}: deploy.resources.limits needs cpus and memory");
            var cpus = double.Parse(limits["cpus"].String, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(cpus, 0.1, 8);
            Assert.InRange(Bytes(limits["memory"].String), 64L << 20, 8L << 30);
        }
        // Redis gets room above its own maxmemory; a silo as much as its Kubernetes limit.
        var redis = Services["redis"]["command"].Strings.ToList();
        Assert.True(Bytes(Services["redis"]["deploy"]["resources"]["limits"]["memory"].String) > Bytes(redis[redis.IndexOf("--maxmemory") + 1]));
        Assert.Equal(3L << 30, Bytes(Services["silo"]["deploy"]["resources"]["limits"]["memory"].String));
    }

    private static long Bytes(string size)
    {
        var match = Regex.Match(size.ToLowerInvariant(), @"^(\d+)(b|k|kb|m|mb|g|gb)?$");
        Assert.True(match.Success, $"'{size}' is not a compose byte size");
        var unit = match.Groups[2].Value.TrimEnd('b');
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) << unit switch { "k" => 10, "m" => 20, "g" => 30, _ => 0 };
    }

    [Fact]
    public void Migration_runs_once_the_database_is_healthy_and_silos_only_after_it_succeeded()
    {
        var migrate = Services["migrate"];
        Assert.Equal(DeploymentContract.MigrateCommand, migrate["command"].Strings);
        Assert.Equal("no", migrate["restart"].String);
        Assert.Equal("service_healthy", migrate["depends_on"]["timescaledb"]["condition"].String);
        Assert.Equal("service_completed_successfully", Services["silo"]["depends_on"]["migrate"]["condition"].String);
        Assert.Equal("service_healthy", Services["silo"]["depends_on"]["redis"]["condition"].String);
        Assert.Equal("service_healthy", Services["web"]["depends_on"]["silo"]["condition"].String);
    }

    [Fact]
    public void Roles_run_the_contract_commands_of_the_one_image()
    {
        Assert.Equal(DeploymentContract.SiloCommand, Services["silo"]["command"].Strings);
        Assert.Equal(DeploymentContract.WebCommand, Services["web"]["command"].Strings);
        var images = AppServices.Select(s => Services[s]["image"].String).Distinct().ToList();
        Assert.Single(images);
        Assert.All(AppServices, s => Assert.Equal(".", Services[s]["build"]["context"].String));
        Assert.All(AppServices, s => Assert.Equal("Dockerfile", Services[s]["build"]["dockerfile"].String));
    }

    [Fact]
    public void Silo_scales_without_clashing_names_or_host_ports()
    {
        var silo = Services["silo"];
        Assert.False(silo["container_name"].Exists, "a fixed container_name forbids --scale");
        Assert.False(silo["hostname"].Exists, "a fixed hostname would give every replica the same silo name");
        Assert.False(silo["ports"].Exists, "silos publish no host ports; they talk over the compose network");
        Assert.DoesNotContain(Services.Entries, s => s.Value["container_name"].Exists);
    }

    [Fact]
    public void Web_fronts_publish_on_loopback_with_a_port_per_replica()
    {
        var port = Assert.Single(Services["web"]["ports"].Strings);
        Assert.Matches(@"^127\.0\.0\.1:\$\{AQ_WEB_PORTS:-\d+-\d+\}:8080$", port);
    }

    [Fact]
    public void Silo_shutdown_gets_the_same_grace_as_in_kubernetes()
    {
        var grace = Yaml.Load("k8s/silo-deployment.yaml")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].Int;
        Assert.Equal($"{grace}s", Services["silo"]["stop_grace_period"].String);
    }

    [Fact]
    public void Nginx_is_the_production_profile_entry_with_the_repository_config()
    {
        var nginx = Services["nginx"];
        Assert.Equal(["production"], nginx["profiles"].Strings);
        Assert.Contains("./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro", nginx["volumes"].Strings);
        Assert.All(Services.Entries.Where(s => s.Key != "nginx"), s => Assert.False(s.Value["profiles"].Exists, $"{s.Key} runs in every profile"));
    }

    [Fact]
    public void Every_variable_compose_reads_is_in_env_example_and_nothing_else_is()
    {
        var used = VariableReference().Matches(Repo.Read("docker-compose.yml").Replace("$$", "", StringComparison.Ordinal))
            .Select(m => m.Groups[1].Value).ToHashSet();
        var example = EnvExample().Keys.ToHashSet();
        Assert.Empty(used.Except(example));
        Assert.Empty(example.Except(used));
    }

    [Theory]
    [InlineData("POSTGRES_PASSWORD")]
    [InlineData("ADMIN_TOKEN")]
    public void Required_secrets_stop_compose_with_a_message_when_unset(string variable)
    {
        var references = VariableReference().Matches(Repo.Read("docker-compose.yml")).Where(m => m.Groups[1].Value == variable).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, m => Assert.StartsWith("${" + variable + ":?", m.Value));
    }

    [Fact]
    public void App_containers_get_the_contract_environment_and_the_web_front_only_what_it_needs()
    {
        var silo = Services["silo"]["environment"].Keys;
        var expected = DeploymentContract.EnvironmentNames
            .Except(DeploymentContract.SetByEntrypoint)
            .Except(DeploymentContract.OwnerOnly)
            .Except(["ASPNETCORE_URLS"]); // set by the image
        Assert.Equal(expected.Order(), silo.Order());
        Assert.Equal(DeploymentContract.WebEnvironment.Append("OTEL_EXPORTER_OTLP_ENDPOINT").Order(), Services["web"]["environment"].Keys.Order());
        Assert.Equal(["ConnectionStrings__PostgresOwner", "ConnectionStrings__Postgres"], Services["migrate"]["environment"].Keys);
        // migrate connects as the owner; everything else as the application's own login, never the superuser.
        var owner = new Npgsql.NpgsqlConnectionStringBuilder(Services["migrate"]["environment"]["ConnectionStrings__PostgresOwner"].String);
        var application = new Npgsql.NpgsqlConnectionStringBuilder(Services["silo"]["environment"]["ConnectionStrings__Postgres"].String);
        Assert.Equal("${POSTGRES_USER:-airquality}", owner.Username);
        Assert.Equal("${AQ_APP_DB_USER:-airquality_app}", application.Username);
        Assert.Equal(owner.Database, application.Database);
        Assert.Equal(DeploymentContract.ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Services["silo"]["environment"]["Management__Port"].String);
        Assert.Equal(DeploymentContract.ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Services["web"]["environment"]["Management__Port"].String);
        // One connection string for all three, pointing at the compose database service.
        var postgres = AppServices.Select(s => Services[s]["environment"]["ConnectionStrings__Postgres"].String).Distinct().Single();
        Assert.StartsWith("Host=timescaledb;Port=5432;", postgres);
        Assert.Equal("redis:6379", Services["silo"]["environment"]["ConnectionStrings__Redis"].String);
        Assert.Equal(DeploymentContract.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Services["silo"]["environment"]["Orleans__SiloPort"].String);
        Assert.Equal(DeploymentContract.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Services["silo"]["environment"]["Orleans__GatewayPort"].String);
    }

    /// <summary>KEY=VALUE lines of .env.example.</summary>
    internal static IReadOnlyDictionary<string, string> EnvExample() =>
        Repo.Read(".env.example").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(?::?[-?+])[^}]*)?\}")]
    internal static partial Regex VariableReference();
}
