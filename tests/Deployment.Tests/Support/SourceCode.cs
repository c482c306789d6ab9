namespace AirQuality.Deployment.Tests.Support;

/// <summary>The C# sources under src/, for checks that the deployment names things the code knows.</summary>
public static class SourceCode
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Files = new(() =>
        Directory.EnumerateFiles(Repo.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(Repo.Relative, File.ReadAllText));

    public static bool Contains(string text) => Files.Value.Values.Any(f => f.Contains(text, StringComparison.Ordinal));

    /// <summary>Files with a match of the pattern, as `path: match`.</summary>
    public static IEnumerable<string> Matches(System.Text.RegularExpressions.Regex pattern) =>
        Files.Value.SelectMany(f => pattern.Matches(f.Value).Select(m => $"{f.Key}: {m.Value}"));

    public static IEnumerable<string> FilesContaining(string text) =>
        Files.Value.Where(f => f.Value.Contains(text, StringComparison.Ordinal)).Select(f => f.Key);
}
