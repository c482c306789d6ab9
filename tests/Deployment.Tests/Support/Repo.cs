using AirQuality.TestSupport;

namespace AirQuality.Deployment.Tests.Support;

/// <summary>The deployment files of the repository.</summary>
public static class Repo
{
    public static string Root => TestServices.RepositoryRoot;

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>Kubernetes manifests (every YAML file of k8s/ but the kustomization), relative paths.</summary>
    public static IReadOnlyList<string> KubernetesManifests =>
        Directory.EnumerateFiles(PathOf("k8s"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(Relative)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Order(StringComparer.Ordinal)
            .ToList();

    public static IReadOnlyList<string> Workflows =>
        Directory.EnumerateFiles(PathOf(".github/workflows"))
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(Relative)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Every file that describes how the system is deployed, for the checks that apply to all of them.</summary>
    public static IReadOnlyList<string> DeploymentFiles =>
        ["Dockerfile", ".dockerignore", "docker-compose.yml", ".env.example", "deploy/nginx/nginx.conf", "deploy/docker/entrypoint.sh",
         "k8s/kustomization.yaml", .. KubernetesManifests, .. Workflows];
}
