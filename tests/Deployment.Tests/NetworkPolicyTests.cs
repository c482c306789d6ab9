using AirQuality.Deployment.Tests.Support;

namespace AirQuality.Deployment.Tests;

/// <summary>
/// The NetworkPolicies of k8s/, evaluated as Kubernetes does (a pod selected by any Ingress policy accepts only what
/// one of their rules lets in) for the pods of the namespace and for callers from elsewhere.
/// </summary>
public class NetworkPolicyTests
{
    private const string Namespace = "airquality";
    private static readonly IReadOnlyList<Yaml> Objects = Repo.KubernetesManifests.SelectMany(Yaml.LoadAll).ToList();
    private static readonly IReadOnlyList<Yaml> Policies = Objects.Where(o => o["kind"].Text == "NetworkPolicy").ToList();

    private sealed record Pod(string Name, string Namespace, IReadOnlyDictionary<string, string> Labels);

    private static Pod Workload(string kind, string name) => new(name, Namespace,
        Objects.Single(o => o["kind"].Text == kind && o["metadata"]["name"].Text == name)["spec"]["template"]["metadata"]["labels"]
            .Entries.ToDictionary(e => e.Key, e => e.Value.String));

    private static readonly Dictionary<string, Pod> Pods = new[]
    {
        Workload("Deployment", "airquality-silo") with { Name = "silo" },
        Workload("Deployment", "airquality-web") with { Name = "web" },
        Workload("Job", "airquality-migrate") with { Name = "migrate" },
        new Pod("postgres", Namespace, new Dictionary<string, string> { ["app.kubernetes.io/name"] = "postgresql" }),
        new Pod("redis", Namespace, new Dictionary<string, string> { ["app.kubernetes.io/name"] = "redis" }),
        new Pod("debug", Namespace, new Dictionary<string, string> { ["run"] = "debug" }),
        new Pod("ingress", "ingress-nginx", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "ingress-nginx" }),
        new Pod("prometheus", "monitoring", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "prometheus" }),
        // Pretends to be a silo, in another namespace: labels alone must not let it in.
        new Pod("impostor", "default", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "airquality", ["app.kubernetes.io/component"] = "silo" }),
    }.ToDictionary(p => p.Name);

    private static bool Matches(Yaml selector, IReadOnlyDictionary<string, string> labels)
    {
        Assert.False(selector["matchExpressions"].Exists, "this evaluator reads matchLabels only");
        return selector["matchLabels"].Entries.All(e => labels.TryGetValue(e.Key, out var v) && v == e.Value.String);
    }

    private static IReadOnlyDictionary<string, string> NamespaceLabels(string ns) => new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns };

    private static bool PeerAdmits(Yaml peer, Pod source)
    {
        Assert.False(peer["ipBlock"].Exists, "no ipBlock peers: addresses of pods change");
        var inNamespace = peer["namespaceSelector"].Exists ? Matches(peer["namespaceSelector"], NamespaceLabels(source.Namespace)) : source.Namespace == Namespace;
        var podMatches = !peer["podSelector"].Exists || Matches(peer["podSelector"], source.Labels);
        return inNamespace && podMatches;
    }

    private static bool Allowed(string from, string to, int port)
    {
        var source = Pods[from];
        var target = Pods[to];
        var selecting = Policies.Where(p => p["spec"]["policyTypes"].Strings.Contains("Ingress") && Matches(p["spec"]["podSelector"], target.Labels)).ToList();
        if (selecting.Count == 0) return true;
        return selecting.SelectMany(p => p["spec"]["ingress"].Items).Any(rule =>
            (!rule["ports"].Exists || rule["ports"].Items.Any(p => p["port"].Int == port && (p["protocol"].Text ?? "TCP") == "TCP"))
            && (!rule["from"].Exists || rule["from"].Items.Any(peer => PeerAdmits(peer, source))));
    }

    [Fact]
    public void Every_pod_of_the_namespace_denies_ingress_unless_a_policy_lets_it_in()
    {
        var deny = Assert.Single(Policies, p => !p["spec"]["podSelector"]["matchLabels"].Exists && !p["spec"]["ingress"].Exists);
        Assert.Equal(["Ingress"], deny["spec"]["policyTypes"].Strings);
        Assert.False(Allowed("debug", "debug", 8080));
        Assert.False(Allowed("silo", "migrate", 8080));
    }

    [Theory]
    [InlineData("silo", DeploymentContract.SiloPort, true)]
    [InlineData("silo", DeploymentContract.GatewayPort, true)]
    [InlineData("web", DeploymentContract.GatewayPort, true)]
    [InlineData("web", DeploymentContract.SiloPort, false)]
    [InlineData("migrate", DeploymentContract.GatewayPort, false)]
    [InlineData("debug", DeploymentContract.SiloPort, false)]
    [InlineData("debug", DeploymentContract.GatewayPort, false)]
    [InlineData("ingress", DeploymentContract.GatewayPort, false)]
    [InlineData("ingress", DeploymentContract.HttpPort, false)]
    [InlineData("prometheus", DeploymentContract.SiloPort, false)]
    [InlineData("prometheus", DeploymentContract.HttpPort, false)]
    [InlineData("prometheus", DeploymentContract.ManagementPort, true)]
    [InlineData("web", DeploymentContract.ManagementPort, false)]
    [InlineData("ingress", DeploymentContract.ManagementPort, false)]
    [InlineData("impostor", DeploymentContract.SiloPort, false)]
    [InlineData("impostor", DeploymentContract.GatewayPort, false)]
    public void Orleans_ports_answer_only_silos_and_web_fronts(string from, int port, bool allowed) =>
        Assert.Equal(allowed, Allowed(from, "silo", port));

    [Theory]
    [InlineData("ingress", DeploymentContract.HttpPort, true)]
    [InlineData("prometheus", DeploymentContract.HttpPort, false)]
    [InlineData("prometheus", DeploymentContract.ManagementPort, true)]
    [InlineData("ingress", DeploymentContract.ManagementPort, false)]
    [InlineData("debug", DeploymentContract.HttpPort, false)]
    [InlineData("debug", DeploymentContract.ManagementPort, false)]
    [InlineData("silo", DeploymentContract.HttpPort, false)]
    [InlineData("impostor", DeploymentContract.HttpPort, false)]
    public void Web_front_http_answers_the_ingress_controller_and_the_management_port_prometheus(string from, int port, bool allowed) =>
        Assert.Equal(allowed, Allowed(from, "web", port));

    [Theory]
    [InlineData("silo", "postgres", 5432, true)]
    [InlineData("web", "postgres", 5432, true)]
    [InlineData("migrate", "postgres", 5432, true)]
    [InlineData("debug", "postgres", 5432, false)]
    [InlineData("ingress", "postgres", 5432, false)]
    [InlineData("impostor", "postgres", 5432, false)]
    [InlineData("silo", "redis", 6379, true)]
    [InlineData("web", "redis", 6379, true)]
    [InlineData("debug", "redis", 6379, false)]
    [InlineData("ingress", "redis", 6379, false)]
    [InlineData("impostor", "redis", 6379, false)]
    public void Database_and_cache_answer_only_the_application(string from, string to, int port, bool allowed) =>
        Assert.Equal(allowed, Allowed(from, to, port));

    [Fact]
    public void Policies_name_the_ports_the_containers_open()
    {
        var silo = Objects.Single(o => o["kind"].Text == "Deployment" && o["metadata"]["name"].Text == "airquality-silo");
        var open = silo["spec"]["template"]["spec"]["containers"].Items.SelectMany(c => c["ports"].Items).Select(p => p["containerPort"].Int).ToHashSet();
        var policy = Policies.Single(p => p["metadata"]["name"].Text == "airquality-silo");
        Assert.All(policy["spec"]["ingress"].Items.SelectMany(r => r["ports"].Items), p => Assert.Contains(p["port"].Int, open));
    }
}
