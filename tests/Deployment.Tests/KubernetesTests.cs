using System.Globalization;
using AirQuality.Deployment.Tests.Support;

namespace AirQuality.Deployment.Tests;

public class KubernetesTests
{
    private static readonly IReadOnlyList<Yaml> Objects = Repo.KubernetesManifests.SelectMany(Yaml.LoadAll).ToList();
    private static readonly Yaml Kustomization = Yaml.Load("k8s/kustomization.yaml");

    private static Yaml Object(string kind, string name) =>
        Objects.SingleOrDefault(o => o["kind"].Text == kind && o["metadata"]["name"].Text == name)
        ?? throw new Xunit.Sdk.XunitException($"no {kind} named {name} in k8s/");

    private static Yaml Container(string deployment) => Assert.Single(Object("Deployment", deployment)["spec"]["template"]["spec"]["containers"].Items);

    private static IEnumerable<Yaml> PodSpecs => Objects
        .Where(o => o["kind"].Text is "Deployment" or "Job")
        .Select(o => o["spec"]["template"]["spec"]);

    private static Dictionary<string, string> Labels(Yaml map) => map.Entries.ToDictionary(e => e.Key, e => e.Value.String);

    [Fact]
    public void Kustomization_lists_every_manifest_and_only_those()
    {
        var listed = Kustomization["resources"].Strings.Select(r => "k8s/" + r).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Repo.KubernetesManifests, listed);
        Assert.Equal("airquality", Kustomization["namespace"].String);
        Assert.Equal("airquality", Object("Namespace", "airquality")["metadata"]["name"].String);
    }

    [SkippableFact]
    public async Task Kustomize_renders_every_object_into_the_namespace_with_the_pinned_image()
    {
        TestEnvironment.Require(Processes.OnPath("kubectl"), "kubectl is not installed (its built-in kustomize renders k8s/ offline)");
        var result = await Processes.RunAsync("kubectl", ["kustomize", Repo.PathOf("k8s")]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var rendered = result.Output.Split("\n---\n");
        Assert.Equal(Objects.Count, rendered.Length);
        Assert.All(rendered.Where(r => !r.Contains("kind: Namespace", StringComparison.Ordinal)), r => Assert.Contains("namespace: airquality", r));
        var image = Kustomization["images"].Items.Single();
        Assert.Equal(3, result.Output.Split($"image: {image["newName"].String}:{image["newTag"].String}").Length - 1);
    }

    [Fact]
    public void Every_workload_runs_the_one_image_kustomize_pins()
    {
        var images = PodSpecs.SelectMany(p => p["containers"].Items.Concat(p["initContainers"].Items)).Select(c => c["image"].String).Distinct();
        Assert.Equal("airquality", Assert.Single(images));
        Assert.Equal("airquality", Assert.Single(Kustomization["images"].Items)["name"].String);
    }

    [Fact]
    public void Roles_run_the_contract_commands()
    {
        Assert.Equal(DeploymentContract.SiloCommand, Container("airquality-silo")["args"].Strings);
        Assert.Equal(DeploymentContract.WebCommand, Container("airquality-web")["args"].Strings);
        var job = Assert.Single(Object("Job", "airquality-migrate")["spec"]["template"]["spec"]["containers"].Items);
        Assert.Equal(DeploymentContract.MigrateCommand, job["args"].Strings);
        Assert.All(PodSpecs.SelectMany(p => p["containers"].Items), c => Assert.False(c["command"].Exists, "the image's entrypoint stays in place"));
    }

    [Fact]
    public void Migration_job_gets_only_the_connection_strings_and_retries_a_few_times()
    {
        var job = Object("Job", "airquality-migrate")["spec"];
        Assert.Equal("Never", job["template"]["spec"]["restartPolicy"].String);
        Assert.InRange(job["backoffLimit"].Int, 1, 10);
        Assert.True(job["ttlSecondsAfterFinished"].Exists, "a finished Job removes itself so the next version can apply");
        var env = Assert.Single(job["template"]["spec"]["containers"].Items)["env"].Items.Select(e => e["name"].String);
        // The owner's, to migrate, and the application's, to make its login; no silo or web front gets the owner's.
        Assert.Equal(["ConnectionStrings__PostgresOwner", "ConnectionStrings__Postgres"], env);
        var deployments = Objects.Where(o => o["kind"].Text == "Deployment").SelectMany(d => d["spec"]["template"]["spec"]["containers"].Items).ToList();
        Assert.NotEmpty(deployments);
        Assert.DoesNotContain("airquality-db-owner", deployments.SelectMany(c => c["env"].Items.Select(e => e["valueFrom"]["secretKeyRef"]["name"].Text)
            .Concat(c["envFrom"].Items.Select(e => e["secretRef"]["name"].Text))));
    }

    [Fact]
    public void Silo_takes_its_name_and_address_from_the_downward_api()
    {
        var env = Container("airquality-silo")["env"].Items.ToDictionary(e => e["name"].String);
        Assert.Equal("metadata.name", env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"].String);
        Assert.Equal("status.podIP", env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"].String);
    }

    [Fact]
    public void Silo_exposes_http_silo_and_gateway_ports_as_configured()
    {
        var ports = Container("airquality-silo")["ports"].Items.ToDictionary(p => p["name"].String, p => p["containerPort"].Int);
        Assert.Equal(new Dictionary<string, int> { ["http"] = DeploymentContract.HttpPort, ["management"] = DeploymentContract.ManagementPort, ["silo"] = DeploymentContract.SiloPort, ["gateway"] = DeploymentContract.GatewayPort }, ports);
        var config = Object("ConfigMap", "airquality-config")["data"];
        Assert.Equal(DeploymentContract.SiloPort.ToString(CultureInfo.InvariantCulture), config["Orleans__SiloPort"].String);
        Assert.Equal(DeploymentContract.GatewayPort.ToString(CultureInfo.InvariantCulture), config["Orleans__GatewayPort"].String);
        Assert.Equal($"http://+:{DeploymentContract.HttpPort}", config["ASPNETCORE_URLS"].String);
    }

    [Fact]
    public void Silo_probes_ask_the_health_endpoints_on_the_http_port()
    {
        var silo = Container("airquality-silo");
        Assert.Equal(DeploymentContract.Live, silo["livenessProbe"]["httpGet"]["path"].String);
        Assert.Equal(DeploymentContract.Live, silo["startupProbe"]["httpGet"]["path"].String);
        Assert.Equal(DeploymentContract.Ready, silo["readinessProbe"]["httpGet"]["path"].String);
        Assert.All(new[] { "livenessProbe", "startupProbe", "readinessProbe" }, p => Assert.Equal("http", silo[p]["httpGet"]["port"].String));
        // Startup may load models and join the cluster: give it minutes, not the liveness budget.
        Assert.True(silo["startupProbe"]["periodSeconds"].Int * silo["startupProbe"]["failureThreshold"].Int >= 120);
    }

    [Fact]
    public void Web_front_is_ready_when_its_ready_endpoint_says_so_and_alive_while_it_serves()
    {
        var web = Container("airquality-web");
        Assert.Equal(DeploymentContract.Ready, web["readinessProbe"]["httpGet"]["path"].String);
        Assert.Equal("http", web["readinessProbe"]["httpGet"]["port"].String);
        // The contract gives the web role no liveness endpoint, and /api/v1/health turns 503 when the cluster is away:
        // restarting every web front for a cluster outage would only make it worse.
        Assert.Equal("http", web["livenessProbe"]["tcpSocket"]["port"].String);
        Assert.Equal(new Dictionary<string, int> { ["http"] = DeploymentContract.HttpPort, ["management"] = DeploymentContract.ManagementPort },
            web["ports"].Items.ToDictionary(p => p["name"].String, p => p["containerPort"].Int));
        Assert.Equal(DeploymentContract.ManagementPort.ToString(CultureInfo.InvariantCulture), Object("ConfigMap", "airquality-config")["data"]["Management__Port"].String);
    }

    [Fact]
    public void Silo_shuts_down_within_a_grace_period_and_has_resources_for_autoscaling()
    {
        var pod = Object("Deployment", "airquality-silo")["spec"]["template"]["spec"];
        Assert.InRange(pod["terminationGracePeriodSeconds"].Int, 45, 300);
        foreach (var name in new[] { "airquality-silo", "airquality-web" })
        {
            var resources = Container(name)["resources"];
            Assert.True(resources["requests"]["cpu"].Exists, $"{name}: a CPU request is what the HPA's utilisation is measured against");
            Assert.True(resources["requests"]["memory"].Exists);
            Assert.True(resources["limits"]["memory"].Exists);
        }
        Assert.False(Object("Deployment", "airquality-silo")["spec"]["replicas"].Exists, "the HPA owns the replica count");
        Assert.False(Object("Deployment", "airquality-web")["spec"]["replicas"].Exists, "the HPA owns the replica count");
    }

    [Theory]
    [InlineData("airquality-silo")]
    [InlineData("airquality-web")]
    public void Disruption_budget_and_autoscaler_target_the_deployment(string name)
    {
        var podLabels = Labels(Object("Deployment", name)["spec"]["template"]["metadata"]["labels"]);
        var pdb = Object("PodDisruptionBudget", name)["spec"];
        Assert.Equal(podLabels, Labels(pdb["selector"]["matchLabels"]));
        Assert.Equal(1, pdb["maxUnavailable"].Int);

        var hpa = Object("HorizontalPodAutoscaler", name)["spec"];
        Assert.Equal("Deployment", hpa["scaleTargetRef"]["kind"].String);
        Assert.Equal(name, hpa["scaleTargetRef"]["name"].String);
        Assert.True(hpa["minReplicas"].Int >= 2, "two replicas at least, so the disruption budget can let one go");
        var metric = Assert.Single(hpa["metrics"].Items);
        Assert.Equal("cpu", metric["resource"]["name"].String);
        Assert.Equal("Utilization", metric["resource"]["target"]["type"].String);
    }

    [Fact]
    public void Silos_scale_in_gently()
    {
        var down = Object("HorizontalPodAutoscaler", "airquality-silo")["spec"]["behavior"]["scaleDown"];
        Assert.True(down["stabilizationWindowSeconds"].Int >= 300, "wait minutes of low load before removing a silo");
        var policy = Assert.Single(down["policies"].Items);
        Assert.Equal("Pods", policy["type"].String);
        Assert.Equal(1, policy["value"].Int);
        Assert.True(policy["periodSeconds"].Int >= 120, "one silo at a time, with time for its grains to move");
    }

    [Fact]
    public void Services_and_ingress_reach_the_pods_through_named_ports()
    {
        foreach (var service in Objects.Where(o => o["kind"].Text == "Service"))
        {
            var name = service["metadata"]["name"].String;
            var deployment = Object("Deployment", name);
            Assert.Equal(Labels(deployment["spec"]["template"]["metadata"]["labels"]), Labels(service["spec"]["selector"]));
            var containerPorts = deployment["spec"]["template"]["spec"]["containers"].Items.SelectMany(c => c["ports"].Items).Select(p => p["name"].String).ToList();
            Assert.All(service["spec"]["ports"].Items, p => Assert.Contains(p["targetPort"].String, containerPorts));
        }
        Assert.Equal("None", Object("Service", "airquality-silo")["spec"]["clusterIP"].String);

        var backend = Assert.Single(Object("Ingress", "airquality-web")["spec"]["rules"].Items)["http"]["paths"].Items.Single()["backend"]["service"];
        Assert.Equal("airquality-web", backend["name"].String);
        Assert.Contains(backend["port"]["name"].String, Object("Service", "airquality-web")["spec"]["ports"].Items.Select(p => p["name"].String));
    }

    [Fact]
    public void Ingress_does_not_publish_metrics_and_prometheus_scrapes_the_pods()
    {
        var ingresses = Objects.Where(o => o["kind"].Text == "Ingress").ToList();
        var paths = ingresses.SelectMany(i => i["spec"]["rules"].Items.SelectMany(r => r["http"]["paths"].Items
            .Select(p => (Ingress: i, Host: r["host"].String, Path: p["path"].String, Type: p["pathType"].String)))).ToList();
        // The path ingress-nginx picks for /metrics and /metrics/x: the exact match, else the longest prefix.
        foreach (var request in new[] { DeploymentContract.Metrics, DeploymentContract.Metrics + "/", DeploymentContract.Metrics + "/x" })
        {
            var chosen = paths.Where(p => p.Type == "Exact" ? p.Path == request : request.StartsWith(p.Path, StringComparison.Ordinal))
                .OrderByDescending(p => p.Type == "Exact").ThenByDescending(p => p.Path.Length).First();
            var deny = chosen.Ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/denylist-source-range"].Text ?? "";
            Assert.True(deny.Split(',').ToHashSet().IsSupersetOf(["0.0.0.0/0", "::/0"]), $"{request} is served by {chosen.Ingress["metadata"]["name"].String} without a deny-all");
        }
        Assert.Single(paths.Select(p => p.Host).Distinct());
        // Everything else still goes through the public one.
        var api = paths.Where(p => p.Type == "Prefix" && DeploymentContract.ApiHealth.StartsWith(p.Path, StringComparison.Ordinal)).MaxBy(p => p.Path.Length);
        Assert.False(api.Ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/denylist-source-range"].Exists);

        foreach (var name in new[] { "airquality-silo", "airquality-web" })
        {
            var annotations = Object("Deployment", name)["spec"]["template"]["metadata"]["annotations"];
            Assert.Equal("true", annotations["prometheus.io/scrape"].String);
            Assert.Equal(DeploymentContract.ManagementPort, annotations["prometheus.io/port"].Int);
            Assert.Equal(DeploymentContract.Metrics, annotations["prometheus.io/path"].String);
        }
    }

    [Fact]
    public void Environment_references_name_existing_config_and_secret_keys()
    {
        var config = Object("ConfigMap", "airquality-config")["data"].Keys;
        var secret = Object("Secret", "airquality-secrets")["stringData"].Keys;
        var owner = Object("Secret", "airquality-db-owner")["stringData"].Keys;
        foreach (var container in PodSpecs.SelectMany(p => p["containers"].Items))
        {
            foreach (var env in container["env"].Items)
            {
                var from = env["valueFrom"];
                if (from["configMapKeyRef"].Exists)
                {
                    Assert.Equal("airquality-config", from["configMapKeyRef"]["name"].String);
                    Assert.Contains(from["configMapKeyRef"]["key"].String, config);
                }
                if (from["secretKeyRef"].Exists)
                {
                    var name = from["secretKeyRef"]["name"].String;
                    Assert.Contains(name, new[] { "airquality-secrets", "airquality-db-owner" });
                    Assert.Contains(from["secretKeyRef"]["key"].String, name == "airquality-secrets" ? secret : owner);
                }
                if (from["configMapKeyRef"].Exists || from["secretKeyRef"].Exists)
                    Assert.Equal(env["name"].String, (from["configMapKeyRef"].Exists ? from["configMapKeyRef"] : from["secretKeyRef"])["key"].String);
            }
            foreach (var source in container["envFrom"].Items)
                Assert.True(source["configMapRef"]["name"].Text == "airquality-config" || source["secretRef"]["name"].Text == "airquality-secrets", source.ToString());
        }
        Assert.Equal(DeploymentContract.WebEnvironment.Append("ASPNETCORE_URLS").Order(),
            Container("airquality-web")["env"].Items.Select(e => e["name"].String).Order());
    }

    [Fact]
    public void Pods_run_as_the_image_user_without_privileges_or_api_access()
    {
        foreach (var pod in PodSpecs)
        {
            Assert.Equal("false", pod["automountServiceAccountToken"].String);
            Assert.Equal("true", pod["securityContext"]["runAsNonRoot"].String);
            Assert.Equal(DeploymentContract.ImageUser, pod["securityContext"]["runAsUser"].Int);
            Assert.Equal(Dockerfile.Runtime.Last("USER")!.Arguments, pod["securityContext"]["runAsUser"].String);
            foreach (var c in pod["containers"].Items)
            {
                Assert.Equal("false", c["securityContext"]["allowPrivilegeEscalation"].String);
                Assert.Equal(["ALL"], c["securityContext"]["capabilities"]["drop"].Strings);
                // A read-only root file system still needs a writable /tmp.
                if (c["securityContext"]["readOnlyRootFilesystem"].Text == "true")
                    Assert.Contains("/tmp", c["volumeMounts"].Items.Select(m => m["mountPath"].String));
            }
        }
        Assert.DoesNotContain(Objects, o => o["kind"].Text is "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding" or "ServiceAccount");
    }
}
