using AirQuality.Deployment.Tests.Support;

namespace AirQuality.Deployment.Tests;

/// <summary>deploy/docker/entrypoint.sh: how a silo outside Kubernetes learns its name and advertised address.</summary>
public class EntrypointTests
{
    private static readonly string Script = Repo.PathOf("deploy/docker/entrypoint.sh");

    [Fact]
    public async Task Keeps_the_pod_name_and_ip_that_kubernetes_gives()
    {
        var result = await Processes.RunAsync("bash", [Script, "env"],
            new Dictionary<string, string?> { ["POD_NAME"] = "airquality-silo-7d9f-x2k4q", ["POD_IP"] = "10.244.1.17" });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("POD_NAME=airquality-silo-7d9f-x2k4q\n", result.Output);
        Assert.Contains("POD_IP=10.244.1.17\n", result.Output);
    }

    [SkippableFact]
    public async Task In_a_container_names_the_silo_after_its_hostname_and_advertises_the_container_address()
    {
        // A private mount namespace gives the script the /etc/hosts Docker writes into a container.
        TestEnvironment.Require(Processes.OnPath("unshare"), "unshare (util-linux) is not installed");
        var hosts = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(hosts, "127.0.0.1\tlocalhost\n172.18.0.5\t3f2a9c1b7d4e\n");
            var probe = await Processes.RunAsync("unshare", ["--map-root-user", "--mount", "true"]);
            TestEnvironment.Require(probe.ExitCode == 0, $"this machine does not allow mount namespaces: {probe.Error}");
            var result = await Processes.RunAsync("unshare", ["--map-root-user", "--mount", "bash", "-c",
                $"mount --bind '{hosts}' /etc/hosts && exec bash '{Script}' env"],
                new Dictionary<string, string?> { ["POD_NAME"] = null, ["POD_IP"] = null, ["HOSTNAME"] = "3f2a9c1b7d4e" });
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("POD_NAME=3f2a9c1b7d4e\n", result.Output);
            Assert.Contains("POD_IP=172.18.0.5\n", result.Output);
        }
        finally
        {
            File.Delete(hosts);
        }
    }

    [Fact]
    public async Task Never_advertises_a_loopback_address()
    {
        // `localhost` resolves to 127.0.0.1 everywhere: other silos could not reach that, so the silo picks its own.
        var result = await Processes.RunAsync("bash", [Script, "env"],
            new Dictionary<string, string?> { ["POD_NAME"] = null, ["POD_IP"] = null, ["HOSTNAME"] = "localhost" });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("POD_NAME=localhost\n", result.Output);
        Assert.DoesNotContain("POD_IP=", result.Output);
    }

    [Fact]
    public async Task Runs_the_command_in_its_place_with_its_arguments_and_exit_code()
    {
        var result = await Processes.RunAsync("bash", [Script, "bash", "-c", "echo \"$0 $1\"; exit 7", "run", "--role"]);
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("run --role\n", result.Output);
    }
}
