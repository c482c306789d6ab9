using System.Text.RegularExpressions;
using AirQuality.Deployment.Tests.Support;
using Npgsql;

namespace AirQuality.Deployment.Tests;

/// <summary>No secret value is committed: placeholders, empty values and references to the environment only.</summary>
public partial class SecretsTests
{
    private const string Placeholder = "REPLACE_ME";

    [Theory]
    [InlineData("k8s/secret.yaml")]
    [InlineData("k8s/db-owner-secret.yaml")]
    public void Kubernetes_secret_holds_only_placeholders(string file)
    {
        var secret = Yaml.Load(file);
        Assert.False(secret["data"].Exists, "base64 `data` hides what is committed; use stringData placeholders");
        foreach (var (key, value) in secret["stringData"].Entries)
        {
            var text = value.String;
            if (key.StartsWith("ConnectionStrings__Postgres", StringComparison.Ordinal))
                Assert.Equal(Placeholder, new NpgsqlConnectionStringBuilder(text).Password);
            else
                Assert.True(text is "" or Placeholder, $"{key} must be empty or {Placeholder}, not a value");
        }
    }

    [Fact]
    public void Env_example_leaves_every_secret_empty()
    {
        var example = ComposeTests.EnvExample();
        foreach (var name in new[] { "POSTGRES_PASSWORD", "AQ_APP_DB_PASSWORD", "ADMIN_TOKEN", "CPCB_API_KEY", "OPENWEATHER_API_KEY", "IQAIR_API_KEY" })
            Assert.Equal("", example[name]);
    }

    [Fact]
    public void Compose_takes_every_secret_from_the_environment()
    {
        var services = Yaml.Load("docker-compose.yml")["services"];
        Assert.StartsWith("${POSTGRES_PASSWORD:?", services["timescaledb"]["environment"]["POSTGRES_PASSWORD"].String);
        foreach (var service in new[] { "migrate", "silo", "web" })
        {
            foreach (var (name, value) in services[service]["environment"].Entries.Where(e => DeploymentContract.Secrets.Contains(e.Key)))
            {
                if (name == "ConnectionStrings__PostgresOwner")
                    Assert.StartsWith("${POSTGRES_PASSWORD:?", new NpgsqlConnectionStringBuilder(value.String).Password);
                else if (name == "ConnectionStrings__Postgres")
                    Assert.StartsWith("${AQ_APP_DB_PASSWORD:?", new NpgsqlConnectionStringBuilder(value.String).Password);
                else
                    Assert.Matches(@"^\$\{[A-Z_]+:[-?][^}]*\}$", value.String);
            }
        }
    }

    [Fact]
    public void Workflows_take_credentials_from_github_secrets()
    {
        foreach (var workflow in Repo.Workflows)
        {
            var text = Repo.Read(workflow);
            foreach (Match m in CredentialSetting().Matches(text))
            {
                var value = m.Groups["value"].Value.Trim();
                // The CI job's own throwaway database container is the one literal password allowed.
                if (workflow.EndsWith("ci.yml", StringComparison.Ordinal) && value is "postgres") continue;
                Assert.Matches(@"^\$\{\{ secrets\.[A-Z_]+ \}\}$", value);
            }
        }
    }

    [Fact]
    public void No_deployment_file_contains_something_shaped_like_a_credential()
    {
        foreach (var file in Repo.DeploymentFiles)
        {
            var text = Repo.Read(file);
            foreach (var pattern in CredentialShapes)
                Assert.False(pattern.IsMatch(text), $"{file} contains something shaped like a credential ({pattern})");
            foreach (Match m in PasswordInConnectionString().Matches(text))
            {
                var password = m.Groups[1].Value;
                Assert.True(password is Placeholder || password.StartsWith("${", StringComparison.Ordinal) || (file.EndsWith("ci.yml", StringComparison.Ordinal) && password == "postgres"),
                    $"{file} has a literal password in a connection string");
            }
        }
    }

    private static readonly Regex[] CredentialShapes =
    [
        new(@"gh[pousr]_[A-Za-z0-9]{30,}"),          // GitHub tokens
        new(@"github_pat_[A-Za-z0-9_]{20,}"),
        new(@"AKIA[0-9A-Z]{16}"),                    // AWS access key
        new(@"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        new(@"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"), // JWT
        new(@"xox[abpr]-[A-Za-z0-9-]{10,}"),        // Slack
        new(@"\b[a-f0-9]{40,}\b"),                   // long hex: generated tokens and keys
    ];

    [GeneratedRegex(@"(?im)^\s*[\w-]*(?:password|token|secret|api_key)[\w-]*\s*:\s*(?<value>.+)$")]
    private static partial Regex CredentialSetting();

    [GeneratedRegex(@"Password=([^;\s""']*)")]
    private static partial Regex PasswordInConnectionString();
}
