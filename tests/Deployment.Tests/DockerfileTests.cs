using System.Text.RegularExpressions;
using System.Xml.Linq;
using AirQuality.Deployment.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AirQuality.Deployment.Tests;

public class DockerfileTests
{
    private static readonly DockerStage Build = Dockerfile.Stages.Single(s => s.Name == "build");

    [Fact]
    public void Builds_with_the_dotnet_10_sdk_and_runs_on_the_aspnet_10_runtime()
    {
        Assert.True(Dockerfile.Stages.Count >= 2, "multi-stage: a build stage and a runtime stage");
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Build.Image);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", Dockerfile.Runtime.Image);
        Assert.All(Dockerfile.Runtime.All("RUN"), r => Assert.DoesNotContain("dotnet publish", r.Arguments));
    }

    [Fact]
    public void Publishes_the_silo_project_as_the_contract_says()
    {
        var run = Assert.Single(Build.All("RUN"), r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("dotnet publish src/Silo -c Release -r linux-x64 --self-contained false -o /app", run.Arguments);
        Assert.Contains(Dockerfile.Runtime.All("COPY"), c => c.Arguments.Contains("--from=build /app/ /app/", StringComparison.Ordinal));
    }

    [Fact]
    public void Restore_layer_copies_every_project_the_silo_depends_on_before_the_sources()
    {
        var instructions = Build.Instructions.ToList();
        var sources = instructions.FindIndex(i => i.Keyword == "COPY" && i.Arguments.StartsWith("src/ ", StringComparison.Ordinal));
        var restore = instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore >= 0 && sources > restore, "restore runs before the sources are copied");
        var copiedBefore = instructions.Take(restore).Where(i => i.Keyword == "COPY").Select(i => i.Arguments).ToList();

        Assert.Contains(copiedBefore, c => c.StartsWith("Directory.* AirQuality.slnx ", StringComparison.Ordinal));
        foreach (var project in ProjectClosure("src/Silo/Silo.csproj"))
            Assert.Contains(copiedBefore, c => c.StartsWith(project + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_msbuild_file_the_build_imports_is_in_what_the_dockerfile_copies()
    {
        // The build stage copies the root Directory.* files and src/; an Import of anything else would break the image.
        var msbuildFiles = ProjectClosure("src/Silo/Silo.csproj")
            .Concat(Directory.EnumerateFiles(Repo.Root, "Directory.*").Select(Repo.Relative))
            .Concat(Directory.EnumerateFiles(Repo.PathOf("src"), "Directory.*", SearchOption.AllDirectories).Select(Repo.Relative))
            .Where(f => f.EndsWith("proj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal));
        foreach (var file in msbuildFiles)
        {
            var dir = Path.GetDirectoryName(Repo.PathOf(file))!;
            foreach (var import in XDocument.Load(Repo.PathOf(file)).Descendants().Where(e => e.Name.LocalName == "Import"))
            {
                var project = import.Attribute("Project")!.Value;
                if (project.Contains("GetPathOfFileAbove", StringComparison.Ordinal) || project.StartsWith("Sdk", StringComparison.Ordinal)) continue;
                var resolved = Repo.Relative(Path.GetFullPath(Path.Combine(dir, project.Replace("$(MSBuildThisFileDirectory)", "", StringComparison.Ordinal))));
                var copiedFolder = resolved.Contains('/') && Build.All("COPY").Any(c => c.Arguments.StartsWith(resolved[..(resolved.IndexOf('/') + 1)] + " ", StringComparison.Ordinal));
                Assert.True(resolved.StartsWith("src/", StringComparison.Ordinal) || copiedFolder || (!resolved.Contains('/') && resolved.StartsWith("Directory.", StringComparison.Ordinal)),
                    $"{file} imports {resolved}, which the Dockerfile's build stage does not copy");
            }
        }
    }

    [Fact]
    public void Runs_as_the_numeric_unprivileged_user_of_the_image()
    {
        var user = Dockerfile.Runtime.Last("USER");
        Assert.NotNull(user);
        Assert.Equal(DeploymentContract.ImageUser.ToString(System.Globalization.CultureInfo.InvariantCulture), user.Arguments);
        // Everything after USER runs unprivileged; nothing may switch back.
        Assert.DoesNotContain(Dockerfile.Runtime.Instructions.SkipWhile(i => i != user), i => i.Keyword == "RUN");
    }

    [Fact]
    public void Exposes_http_silo_and_gateway_ports_and_listens_on_8080()
    {
        var exposed = Dockerfile.Runtime.All("EXPOSE").SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["8080", "9464", "11111", "30000"], exposed);
        Assert.Contains(Dockerfile.Runtime.All("ENV"), e => e.Arguments == $"ASPNETCORE_URLS=http://+:{DeploymentContract.HttpPort}");
    }

    [Fact]
    public void Starts_the_entry_assembly_through_the_entrypoint_script_as_a_silo_by_default()
    {
        var entrypoint = Dockerfile.Runtime.Last("ENTRYPOINT")!;
        Assert.Equal(["airquality-entrypoint", "dotnet", DeploymentContract.EntryAssembly], entrypoint.ExecForm(entrypoint.Arguments));
        var cmd = Dockerfile.Runtime.Last("CMD")!;
        Assert.Equal(DeploymentContract.SiloCommand, cmd.ExecForm(cmd.Arguments));
        Assert.Contains(Dockerfile.Runtime.All("COPY"), c => c.Arguments == "--chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/airquality-entrypoint");
    }

    [Fact]
    public void Health_check_asks_the_ready_endpoint_on_the_http_port()
    {
        var script = HealthCheckScript(DeploymentContract.HttpPort);
        Assert.Contains($"/dev/tcp/127.0.0.1/{DeploymentContract.HttpPort}", script);
        Assert.Contains($"GET {DeploymentContract.Ready} ", script);
        var flags = Dockerfile.Runtime.Last("HEALTHCHECK")!.Arguments;
        Assert.Matches(@"--start-period=\d+s", flags);
        Assert.Matches(@"--timeout=\d+s", flags);
    }

    [Fact]
    public async Task Health_check_passes_on_200_and_fails_on_503_or_nothing_listening()
    {
        var ready = true;
        await using var server = await LoopbackServer.StartAsync(app =>
            app.MapGet(DeploymentContract.Ready, () => ready ? Results.Ok("ready") : Results.StatusCode(503)));
        var script = HealthCheckScript(server.Port);

        Assert.Equal(0, (await Processes.RunAsync("bash", ["-c", script])).ExitCode);
        ready = false;
        Assert.NotEqual(0, (await Processes.RunAsync("bash", ["-c", script])).ExitCode);
        Assert.NotEqual(0, (await Processes.RunAsync("bash", ["-c", HealthCheckScript(Processes.FreePort())])).ExitCode);
        Assert.Equal(2, server.Seen.Count(r => r.Path == DeploymentContract.Ready));
    }

    [Fact]
    public void Build_context_keeps_what_the_dockerfile_copies_and_leaves_out_secrets_and_outputs()
    {
        var ignore = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var kept in new[] { "Directory.Packages.props", "AirQuality.slnx", "src/Silo/Silo.csproj", "src/Silo/Program.cs",
                     "src/Grains/Storage/Migrations/0001_schema_baseline.sql", "src/Domain/Data/cities.csv", "deploy/docker/entrypoint.sh" })
            Assert.False(DockerIgnores(ignore, kept), $".dockerignore drops {kept}, which the build needs");
        foreach (var dropped in new[] { ".env", ".git/config", "src/Silo/bin/Release/net10.0/AirQuality.Silo.dll", "src/Grains/obj/project.assets.json",
                     "tests/Domain.Tests/Domain.Tests.csproj", "deploy/validate/node_modules/yaml/package.json", "k8s/secret.yaml" })
            Assert.True(DockerIgnores(ignore, dropped), $".dockerignore keeps {dropped} in the build context");
    }

    /// <summary>The HEALTHCHECK's bash script, pointed at another port for the test.</summary>
    private static string HealthCheckScript(int port)
    {
        var hc = Dockerfile.Runtime.Last("HEALTHCHECK")!;
        var cmd = hc.Arguments[(hc.Arguments.IndexOf(" CMD ", StringComparison.Ordinal) + 5)..];
        var exec = hc.ExecForm(cmd)!;
        Assert.Equal(["bash", "-c"], exec.Take(2));
        return exec[2].Replace($"/{DeploymentContract.HttpPort} ", $"/{port} ", StringComparison.Ordinal);
    }

    /// <summary>The csproj files a project references, itself included, transitively (repository-relative).</summary>
    internal static IReadOnlyList<string> ProjectClosure(string project)
    {
        var seen = new List<string>();
        var queue = new Queue<string>([project]);
        while (queue.TryDequeue(out var p))
        {
            if (seen.Contains(p)) continue;
            seen.Add(p);
            var dir = Path.GetDirectoryName(Repo.PathOf(p))!;
            foreach (var r in XDocument.Load(Repo.PathOf(p)).Descendants().Where(e => e.Name.LocalName == "ProjectReference"))
                queue.Enqueue(Repo.Relative(Path.GetFullPath(Path.Combine(dir, r.Attribute("Include")!.Value.Replace('\\', '/')))));
        }
        return seen;
    }

    /// <summary>Docker's rule: a path is out when the last pattern matching it or one of its parent folders excludes it.</summary>
    private static bool DockerIgnores(IReadOnlyList<string> patterns, string path)
    {
        var ignored = false;
        var prefixes = path.Split('/').Select((_, i) => string.Join('/', path.Split('/').Take(i + 1))).ToList();
        foreach (var raw in patterns)
        {
            var negate = raw.StartsWith('!');
            var pattern = (negate ? raw[1..] : raw).TrimStart('/').TrimEnd('/');
            var regex = new Regex("^" + Regex.Escape(pattern).Replace(@"\*\*/", "(.*/)?").Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "$");
            if (prefixes.Any(regex.IsMatch)) ignored = !negate;
        }
        return ignored;
    }
}
