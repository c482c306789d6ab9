using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    public async Task Redirects_http_and_forwards_api_calls_websockets_and_the_dashboard_over_tls_and_hides_metrics()
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
        var tlsPort = Processes.FreePort();
        // A throw-away self-signed certificate in the two files compose mounts.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.crt"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.key"), key.ExportPkcs8PrivateKeyPem());

        var version = await Processes.RunAsync(nginxBinary, ["-v"]);
        var nginxVersion = Version.Parse(System.Text.RegularExpressions.Regex.Match(version.ToString(), @"nginx/(\d+\.\d+\.\d+)").Groups[1].Value);
        var config = Config
            .Replace("worker_processes auto;", "worker_processes 1;", StringComparison.Ordinal)
            .Replace("listen 80;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
            .Replace("listen 443 ssl;", $"listen 127.0.0.1:{tlsPort} ssl;", StringComparison.Ordinal)
            .Replace("/etc/nginx/certs/", dir + "/", StringComparison.Ordinal)
            .Replace($"server web:{DeploymentContract.HttpPort} ", $"server 127.0.0.1:{web.Port} ", StringComparison.Ordinal)
            .Replace($"server silo:{DeploymentContract.HttpPort} ", $"server 127.0.0.1:{silo.Port} ", StringComparison.Ordinal)
            .Replace("http {", "http {\n" + string.Concat(new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" }
                .Select(t => $"    {t}_temp_path {dir}/{t};\n")), StringComparison.Ordinal);
        // `http2 on;` is nginx 1.25.1+ (the compose image is 1.28); an older local nginx serves HTTP/1.1 only.
        if (nginxVersion < new Version(1, 25, 1)) config = config.Replace("http2 on;", "", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), config);
        try
        {
            var check = await Processes.RunAsync(nginxBinary, ["-t", "-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-g", $"pid {dir}/nginx.pid;"]);
            Assert.True(check.ExitCode == 0, check.ToString());

            await using var nginx = new ChildProcess(nginxBinary, ["-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-g", $"daemon off; pid {dir}/nginx.pid;"],
                new Dictionary<string, string?>());
            var thumbprint = certificate.Thumbprint;
            bool TrustOnlyOurs(X509Certificate? presented) => presented is not null && new X509Certificate2(presented).Thumbprint == thumbprint;
            using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var http = new HttpClient(new HttpClientHandler
            {
                AllowAutoRedirect = false,
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => TrustOnlyOurs(presented),
            }) { BaseAddress = new Uri($"https://127.0.0.1:{tlsPort}") };
            await WaitUntilAsync(async () => (await plain.GetAsync("/nginx-health")).IsSuccessStatusCode, nginx);
            await WaitUntilAsync(async () => (await http.GetAsync("/nginx-health")).IsSuccessStatusCode, nginx);

            var redirect = await plain.GetAsync(DeploymentContract.ApiHealth + "?city=Delhi");
            Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
            Assert.Equal($"https://127.0.0.1{DeploymentContract.ApiHealth}?city=Delhi", redirect.Headers.Location?.ToString());
            Assert.Equal(HttpStatusCode.MovedPermanently, (await plain.GetAsync(DeploymentContract.Dashboard)).StatusCode);

            var health = await http.GetAsync(DeploymentContract.ApiHealth);
            Assert.Equal("web front", await health.Content.ReadAsStringAsync());
            Assert.StartsWith("max-age=", health.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
            Assert.Equal("orleans dashboard", await http.GetStringAsync(DeploymentContract.Dashboard));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(DeploymentContract.Metrics)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(DeploymentContract.Metrics + "/")).StatusCode);
            Assert.DoesNotContain(web.Seen, r => r.Path.StartsWith(DeploymentContract.Metrics, StringComparison.Ordinal));
            var forwarded = web.Seen.Single(r => r.Path == DeploymentContract.ApiHealth);
            Assert.Equal("127.0.0.1", forwarded.Headers["X-Forwarded-For"]);
            Assert.Equal("https", forwarded.Headers["X-Forwarded-Proto"]);

            using var socket = new ClientWebSocket();
            socket.Options.RemoteCertificateValidationCallback = (_, presented, _, _) => TrustOnlyOurs(presented);
            await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{tlsPort}{DeploymentContract.HubsPrefix}live"), CancellationToken.None);
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

    [Fact]
    public void Compose_mounts_the_certificate_where_nginx_reads_it_and_publishes_both_ports()
    {
        var nginx = Yaml.Load("docker-compose.yml")["services"]["nginx"];
        Assert.Contains("ssl_certificate     /etc/nginx/certs/tls.crt;", Config);
        Assert.Contains("ssl_certificate_key /etc/nginx/certs/tls.key;", Config);
        Assert.Contains("./deploy/nginx/certs:/etc/nginx/certs:ro", nginx["volumes"].Strings);
        var published = nginx["ports"].Strings.Select(p => p.Split(':')[^1]).Order().ToList();
        Assert.Equal(["443", "80"], published);
        // The certificate's folder is in the repository, its contents never are.
        Assert.Contains("*", Repo.Read("deploy/nginx/certs/.gitignore").Split('\n'));
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
