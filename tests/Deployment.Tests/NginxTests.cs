using System.Net;
using System.Net.WebSockets;
using System.Text;
using AirQuality.Deployment.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AirQuality.Deployment.Tests;

/// <summary>deploy/nginx/nginx.conf, read and run: the real nginx in front of loopback stand-ins for web and silo.</summary>
public class NginxTests
{
    private static readonly string Config = Repo.Read("deploy/nginx/nginx.conf");

    [Fact]
    public void Proxies_to_the_compose_services_on_the_http_port()
    {
        Assert.Contains($"server web:{DeploymentContract.HttpPort} ", Config);
        Assert.Contains($"server silo:{DeploymentContract.HttpPort} ", Config);
        Assert.Contains($"location {DeploymentContract.HubsPrefix} {{", Config);
        Assert.Contains("proxy_set_header Upgrade $http_upgrade;", Config);
        Assert.Contains("proxy_set_header Connection $connection_upgrade;", Config);
        Assert.Contains("proxy_http_version 1.1;", Config);
    }

    [Fact]
    public void Nginx_health_path_is_the_one_compose_checks()
    {
        var test = Yaml.Load("docker-compose.yml")["services"]["nginx"]["healthcheck"]["test"].Strings;
        var path = new Uri(test[^1]).AbsolutePath;
        Assert.Contains($"location = {path} {{", Config);
    }

    [SkippableFact]
    public async Task Forwards_api_calls_websockets_and_the_dashboard_and_hides_metrics()
    {
        TestEnvironment.Require(Processes.OnPath("nginx") || File.Exists("/usr/sbin/nginx"), "nginx is not installed (apt-get install -y nginx-light)");
        var nginxBinary = Processes.OnPath("nginx") ? "nginx" : "/usr/sbin/nginx";

        await using var web = await LoopbackServer.StartAsync(app =>
        {
            app.UseWebSockets();
            app.MapGet(DeploymentContract.ApiHealth, () => Results.Text("web front"));
            app.Map(DeploymentContract.HubsPrefix + "live", async (HttpContext ctx) =>
            {
                if (!ctx.WebSockets.IsWebSocketRequest) { ctx.Response.StatusCode = 400; return; }
                using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[256];
                var received = await socket.ReceiveAsync(buffer, ctx.RequestAborted);
                await socket.SendAsync(Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(buffer, 0, received.Count)),
                    WebSocketMessageType.Text, true, ctx.RequestAborted);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ctx.RequestAborted);
            });
            app.MapGet(DeploymentContract.Metrics, () => Results.Text("web metrics"));
        });
        await using var silo = await LoopbackServer.StartAsync(app => app.MapGet(DeploymentContract.Dashboard, () => Results.Text("orleans dashboard")));

        var dir = Directory.CreateTempSubdirectory("aq-nginx-").FullName;
        var port = Processes.FreePort();
        var config = Config
            .Replace("worker_processes auto;", "worker_processes 1;", StringComparison.Ordinal)
            .Replace("listen 80;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
            .Replace($"server web:{DeploymentContract.HttpPort} ", $"server 127.0.0.1:{web.Port} ", StringComparison.Ordinal)
            .Replace($"server silo:{DeploymentContract.HttpPort} ", $"server 127.0.0.1:{silo.Port} ", StringComparison.Ordinal)
            .Replace("http {", "http {\n" + string.Concat(new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" }
                .Select(t => $"    {t}_temp_path {dir}/{t};\n")), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), config);
        try
        {
            var check = await Processes.RunAsync(nginxBinary, ["-t", "-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-g", $"pid {dir}/nginx.pid;"]);
            Assert.True(check.ExitCode == 0, check.ToString());

            await using var nginx = new ChildProcess(nginxBinary, ["-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-g", $"daemon off; pid {dir}/nginx.pid;"],
                new Dictionary<string, string?>());
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilAsync(async () => (await http.GetAsync("/nginx-health")).IsSuccessStatusCode, nginx);

            Assert.Equal("web front", await http.GetStringAsync(DeploymentContract.ApiHealth));
            Assert.Equal("orleans dashboard", await http.GetStringAsync(DeploymentContract.Dashboard));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(DeploymentContract.Metrics)).StatusCode);
            var forwarded = web.Seen.Single(r => r.Path == DeploymentContract.ApiHealth);
            Assert.Equal("127.0.0.1", forwarded.Headers["X-Forwarded-For"]);

            using var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}{DeploymentContract.HubsPrefix}live"), CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes("delhi"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[256];
            var reply = await socket.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal("echo:delhi", Encoding.UTF8.GetString(buffer, 0, reply.Count));
            var upgrade = web.Seen.Single(r => r.Path.StartsWith(DeploymentContract.HubsPrefix, StringComparison.Ordinal));
            Assert.Equal("websocket", upgrade.Headers["Upgrade"], ignoreCase: true);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, ChildProcess process) =>
        Eventually.UntilAsync(async () =>
        {
            Assert.False(process.HasExited, "nginx stopped:\n" + process.Output);
            try
            {
                return await condition();
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, TimeSpan.FromSeconds(10), "nginx answering");
}
