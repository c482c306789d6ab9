using AirQuality.Deployment.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace AirQuality.Deployment.Tests;

public class WorkflowTests
{
    private static readonly Yaml Ci = Yaml.Load(".github/workflows/ci.yml");
    private static readonly Yaml Image = Yaml.Load(".github/workflows/image.yml");
    private static readonly Yaml Retrain = Yaml.Load(".github/workflows/retrain.yml");

    private static IReadOnlyList<Yaml> Steps(Yaml workflow) => workflow["jobs"].Entries.Single().Value["steps"].Items.ToList();

    [Fact]
    public void Ci_tests_the_solution_against_the_same_database_and_redis_images_as_compose()
    {
        var job = Ci["jobs"]["build-and-test"];
        var compose = Yaml.Load("docker-compose.yml")["services"];
        Assert.Equal(compose["timescaledb"]["image"].String, job["services"]["postgres"]["image"].String);
        Assert.Equal(compose["redis"]["image"].String, job["services"]["redis"]["image"].String);
        Assert.Contains("--health-cmd", job["services"]["postgres"]["options"].String);
        Assert.Contains("--health-cmd", job["services"]["redis"]["options"].String);
        Assert.Contains(Steps(Ci), s => s["run"].Text?.StartsWith("dotnet test AirQuality.slnx", StringComparison.Ordinal) == true);
        Assert.Contains(Steps(Ci), s => s["uses"].Text?.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal) == true && s["with"]["dotnet-version"].Text == "10.0.x");
    }

    [Fact]
    public void Ci_points_the_tests_at_its_service_containers()
    {
        var job = Ci["jobs"]["build-and-test"];
        // TestServices reads these two instead of starting servers of its own.
        var postgres = new NpgsqlConnectionStringBuilder(job["env"]["AQ_TEST_POSTGRES"].String);
        Assert.Equal("localhost", postgres.Host);
        Assert.Contains($"{postgres.Port}:5432", job["services"]["postgres"]["ports"].Strings);
        Assert.Equal(job["services"]["postgres"]["env"]["POSTGRES_PASSWORD"].String, postgres.Password);
        Assert.Equal(job["services"]["postgres"]["env"]["POSTGRES_USER"].String, postgres.Username);
        var redisPort = job["env"]["AQ_TEST_REDIS"].String.Split(':')[1];
        Assert.Equal($"localhost:{redisPort}", job["env"]["AQ_TEST_REDIS"].String);
        Assert.Contains($"{redisPort}:6379", job["services"]["redis"]["ports"].Strings);
    }

    [Fact]
    public void Image_is_built_from_the_repository_and_pushed_to_ghcr_only_from_main()
    {
        Assert.Equal(["main"], Image["on"]["push"]["branches"].Strings);
        Assert.Equal("write", Image["permissions"]["packages"].String);
        var steps = Steps(Image);
        var build = Assert.Single(steps, s => s["uses"].Text?.StartsWith("docker/build-push-action@", StringComparison.Ordinal) == true);
        Assert.Equal(".", build["with"]["context"].String);
        Assert.Equal("Dockerfile", build["with"]["file"].String);
        Assert.Contains("github.ref == 'refs/heads/main'", build["with"]["push"].String);
        Assert.Contains("github.event_name != 'pull_request'", build["with"]["push"].String);
        var login = Assert.Single(steps, s => s["uses"].Text?.StartsWith("docker/login-action@", StringComparison.Ordinal) == true);
        Assert.Equal("ghcr.io", login["with"]["registry"].String);
        var meta = Assert.Single(steps, s => s["uses"].Text?.StartsWith("docker/metadata-action@", StringComparison.Ordinal) == true);
        Assert.StartsWith("ghcr.io/", meta["with"]["images"].String);
    }

    [Fact]
    public void Every_action_is_pinned_to_a_major_version_at_least()
    {
        foreach (var workflow in Repo.Workflows)
            foreach (var job in Yaml.Load(workflow)["jobs"].Entries)
                foreach (var step in job.Value["steps"].Items.Where(s => s["uses"].Exists))
                    Assert.Matches(@"^[\w.-]+/[\w.-]+@v\d+$", step["uses"].String);
    }

    [Fact]
    public void Retrain_is_started_by_hand_for_a_required_city()
    {
        Assert.Equal(["workflow_dispatch"], Retrain["on"].Keys);
        var city = Retrain["on"]["workflow_dispatch"]["inputs"]["city"];
        Assert.Equal("true", city["required"].String);
        Assert.Equal("string", city["type"].String);
        var step = Assert.Single(Steps(Retrain));
        Assert.Equal("${{ secrets.AQ_ADMIN_TOKEN }}", step["env"]["AQ_ADMIN_TOKEN"].String);
        Assert.Equal("${{ inputs.city }}", step["env"]["CITY"].String);
        Assert.DoesNotContain("${{", step["run"].String); // inputs reach the script through env, never pasted into it
    }

    [Theory]
    [InlineData(202, 0)]
    [InlineData(200, 0)]
    [InlineData(401, 1)]
    [InlineData(404, 1)]
    [InlineData(500, 1)]
    public async Task Retrain_step_posts_with_the_bearer_token_and_fails_unless_the_answer_is_2xx(int status, int exitCode)
    {
        await using var api = await LoopbackServer.StartAsync(app =>
            app.MapPost(DeploymentContract.RetrainPath + "{city}", (string city) => Results.Json(new { city }, statusCode: status)));
        var result = await RunRetrainStep(api.BaseUrl + "/", "Delhi", "test-admin-token");
        Assert.True(exitCode == result.ExitCode, result.ToString());
        var request = Assert.Single(api.Seen);
        Assert.Equal("POST", request.Method);
        Assert.Equal(DeploymentContract.RetrainPath + "Delhi", request.Path);
        Assert.Equal("Bearer test-admin-token", request.Headers["Authorization"]);
    }

    [Fact]
    public async Task Retrain_step_sends_a_city_name_with_spaces_as_one_path_segment()
    {
        string? received = null;
        await using var api = await LoopbackServer.StartAsync(app =>
            app.MapPost(DeploymentContract.RetrainPath + "{city}", (string city) => { received = city; return Results.Accepted(); }));
        var result = await RunRetrainStep(api.BaseUrl, "Navi Mumbai", "test-admin-token");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Navi Mumbai", received);
    }

    [Theory]
    [InlineData("delhi/../../admin")]
    [InlineData("..")]
    [InlineData("delhi?x=1")]
    [InlineData("")]
    public async Task Retrain_step_refuses_a_city_that_is_not_a_name_without_calling_the_api(string city)
    {
        await using var api = await LoopbackServer.StartAsync(app => app.MapPost("/{**path}", () => Results.Ok()));
        var result = await RunRetrainStep(api.BaseUrl, city, "test-admin-token");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("City must be a name or id", result.Output);
        Assert.Empty(api.Seen);
    }

    [Fact]
    public async Task Retrain_step_fails_when_nothing_answers()
    {
        var result = await RunRetrainStep($"http://127.0.0.1:{Processes.FreePort()}", "Delhi", "test-admin-token");
        Assert.Equal(1, result.ExitCode);
    }

    /// <summary>Runs the workflow step's script with bash as the runner would, with its env filled in.</summary>
    internal static Task<ProcessResult> RunRetrainStep(string apiUrl, string city, string token)
    {
        Assert.True(Processes.OnPath("curl"), "curl is needed to run the retrain step as the runner does");
        var step = Steps(Retrain).Single();
        return Processes.RunAsync("bash", ["-e", "-c", step["run"].String], new Dictionary<string, string?>
        {
            ["AQ_API_URL"] = apiUrl,
            ["AQ_ADMIN_TOKEN"] = token,
            ["CITY"] = city,
        }, timeout: TimeSpan.FromSeconds(90));
    }
}
