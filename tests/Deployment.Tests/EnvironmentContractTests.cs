using AirQuality.Deployment.Tests.Support;

namespace AirQuality.Deployment.Tests;

/// <summary>The environment variable names every deployment file uses are the contract's, spelt the same everywhere.</summary>
public class EnvironmentContractTests
{
    private static readonly string[] AppServices = ["migrate", "silo", "web"];

    private static IEnumerable<string> DockerfileNames =>
        Dockerfile.Runtime.All("ENV").Select(e => e.Arguments.Split('=', 2)[0]);

    private static IEnumerable<string> ComposeNames
    {
        get
        {
            var services = Yaml.Load("docker-compose.yml")["services"];
            return AppServices.SelectMany(s => services[s]["environment"].Keys);
        }
    }

    private static IEnumerable<string> KubernetesNames
    {
        get
        {
            var objects = Repo.KubernetesManifests.SelectMany(Yaml.LoadAll).ToList();
            var config = objects.Single(o => o["kind"].Text == "ConfigMap")["data"].Keys;
            var secret = objects.Where(o => o["kind"].Text == "Secret").SelectMany(o => o["stringData"].Keys);
            var env = objects.Where(o => o["kind"].Text is "Deployment" or "Job")
                .SelectMany(o => o["spec"]["template"]["spec"]["containers"].Items)
                .SelectMany(c => c["env"].Items.Select(e => e["name"].String));
            return config.Concat(secret).Concat(env);
        }
    }

    [Fact]
    public void Together_the_deployment_files_set_exactly_the_contract_names()
    {
        var all = DockerfileNames.Concat(DeploymentContract.SetByEntrypoint).Concat(ComposeNames).Concat(KubernetesNames).ToHashSet();
        Assert.Equal(DeploymentContract.EnvironmentNames.Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Dockerfile")]
    [InlineData("docker-compose.yml")]
    [InlineData("k8s")]
    public void No_file_sets_a_name_outside_the_contract(string source)
    {
        var names = source switch
        {
            "Dockerfile" => DockerfileNames,
            "docker-compose.yml" => ComposeNames,
            _ => KubernetesNames,
        };
        Assert.All(names, n => Assert.Contains(n, DeploymentContract.EnvironmentNames));
    }

    [Fact]
    public void A_kubernetes_silo_gets_every_name_but_the_optional_ones()
    {
        // Silo pods take the whole ConfigMap and Secret (envFrom) plus the downward-API names.
        var objects = Repo.KubernetesManifests.SelectMany(Yaml.LoadAll).ToList();
        var silo = objects.Single(o => o["kind"].Text == "Deployment" && o["metadata"]["name"].Text == "airquality-silo")["spec"]["template"]["spec"]["containers"].Items.Single();
        Assert.Equal(2, silo["envFrom"].Items.Count());
        var names = objects.Single(o => o["kind"].Text == "ConfigMap")["data"].Keys
            .Concat(objects.Single(o => o["kind"].Text == "Secret" && o["metadata"]["name"].Text == "airquality-secrets")["stringData"].Keys)
            .Concat(silo["env"].Items.Select(e => e["name"].String));
        Assert.Equal(DeploymentContract.EnvironmentNames.Except(DeploymentContract.Optional).Except(DeploymentContract.OwnerOnly).Order(StringComparer.Ordinal),
            names.Order(StringComparer.Ordinal));
        // The optional OTLP endpoint is shown, commented out, where an operator would set it.
        Assert.Contains("# OTEL_EXPORTER_OTLP_ENDPOINT:", Repo.Read("k8s/configmap.yaml"));
    }

    [Fact]
    public void Env_example_documents_every_setting_compose_passes_to_the_application()
    {
        var example = ComposeTests.EnvExample();
        // Each contract name compose sets from a variable of its own name must be documented in .env.example.
        var services = Yaml.Load("docker-compose.yml")["services"];
        foreach (var (name, value) in AppServices.SelectMany(s => services[s]["environment"].Entries))
        {
            foreach (var variable in ComposeTests.VariableReference().Matches(value.String).Select(m => m.Groups[1].Value))
                Assert.True(example.ContainsKey(variable), $"{name} reads ${{{variable}}}, which .env.example does not list");
        }
        foreach (var name in new[] { "CPCB_API_KEY", "OPENWEATHER_API_KEY", "IQAIR_API_KEY", "OTEL_EXPORTER_OTLP_ENDPOINT", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID" })
            Assert.True(example.ContainsKey(name), $".env.example lacks {name}");
    }
}
