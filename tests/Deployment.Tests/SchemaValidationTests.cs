using AirQuality.Deployment.Tests.Support;

namespace AirQuality.Deployment.Tests;

/// <summary>
/// The deployment files against the schemas of the tools that read them, offline (deploy/validate): Kubernetes' OpenAPI
/// schemas with unknown fields rejected, the Compose Specification, GitHub's workflow schema, Dockerfile syntax.
/// </summary>
public class SchemaValidationTests
{
    [Fact]
    public async Task Every_deployment_file_passes_its_schema()
    {
        var files = new List<string> { "Dockerfile", "docker-compose.yml" };
        files.AddRange(Repo.KubernetesManifests);
        files.AddRange(Repo.Workflows);
        var verdicts = await SchemaValidator.ValidateAsync(files);

        Assert.Equal(files.Count, verdicts.Count);
        Assert.All(verdicts, v =>
        {
            Assert.True(v.Errors.Count == 0, $"{Repo.Relative(v.Path)} ({v.Kind}):\n  " + string.Join("\n  ", v.Errors));
            Assert.True(v.Documents > 0, $"{v.Path}: nothing validated");
        });
        Assert.Equal(Repo.KubernetesManifests.Count, verdicts.Count(v => v.Kind == "k8s"));
        Assert.Equal(Repo.Workflows.Count, verdicts.Count(v => v.Kind == "workflow"));
    }

    [Theory]
    [InlineData("k8s/silo-deployment.yaml", "terminationGracePeriodSeconds:", "terminationGracePeriodSecond:", "terminationGracePeriodSecond: field not in the schema")]
    [InlineData("k8s/silo-deployment.yaml", "containerPort: 11111", "containerPort: \"11111\"", "containerPort")]
    [InlineData("k8s/silo-hpa.yaml", "stabilizationWindowSeconds: 600", "stabilisationWindowSeconds: 600", "stabilisationWindowSeconds: field not in the schema")]
    [InlineData("docker-compose.yml", "stop_grace_period: 60s", "stop_grace_period: 60 seconds", "stop_grace_period")]
    [InlineData("docker-compose.yml", "    profiles: [production]", "    profile: [production]", "profile")]
    [InlineData(".github/workflows/ci.yml", "runs-on:", "run-on:", "run-on")]
    [InlineData("Dockerfile", "--start-period=60s", "--start-perod=60s", "start-perod")]
    public async Task A_mistake_in_a_copy_is_reported_where_it_is(string file, string original, string mistake, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("aq-schema-").FullName;
        try
        {
            // Same name as the original (the validator picks the schema by name) in a scratch folder.
            var copy = Path.Combine(dir, file.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            var text = Repo.Read(file);
            Assert.Contains(original, text);
            await File.WriteAllTextAsync(copy, text.Replace(original, mistake, StringComparison.Ordinal));

            var verdict = Assert.Single(await SchemaValidator.ValidateAsync([copy], file.StartsWith("k8s/", StringComparison.Ordinal) ? "k8s" : null));
            Assert.Contains(verdict.Errors, e => e.Contains(expected, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
