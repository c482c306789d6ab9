using System.Reflection;

namespace AirQuality.Deployment.Tests.Support;

/// <summary>The built entry assembly, run the way the image runs it: `dotnet AirQuality.Silo.dll ARGS`.</summary>
public static class SiloApp
{
    private static readonly string Configuration = typeof(SiloApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Configuration").Value!;

    public static string Dll
    {
        get
        {
            var path = Repo.PathOf($"src/Silo/bin/{Configuration}/net10.0/{DeploymentContract.EntryAssembly}");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built (tests/Deployment.Tests builds src/Silo)");
        }
    }

    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, IDictionary<string, string?> env, TimeSpan? timeout = null) =>
        Processes.RunAsync("dotnet", [Dll, .. args], WithoutInherited(env), Path.GetDirectoryName(Dll), timeout);

    public static ChildProcess Start(IEnumerable<string> args, IDictionary<string, string?> env) =>
        new("dotnet", [Dll, .. args], WithoutInherited(env), Path.GetDirectoryName(Dll));

    /// <summary>The contract's variables that the caller did not set are removed, so the test machine's own leak nothing in.</summary>
    private static Dictionary<string, string?> WithoutInherited(IDictionary<string, string?> env)
    {
        var all = DeploymentContract.EnvironmentNames.ToDictionary(n => n, _ => (string?)null);
        foreach (var (k, v) in env) all[k] = v;
        all["DOTNET_ENVIRONMENT"] = "Production";
        all["ASPNETCORE_ENVIRONMENT"] = "Production";
        return all;
    }
}
