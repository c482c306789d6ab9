using System.Text.Json;

namespace AirQuality.Deployment.Tests.Support;

/// <summary>One instruction of the Dockerfile: keyword, arguments (continuations joined) and its line.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The exec (JSON array) form of CMD / ENTRYPOINT / HEALTHCHECK CMD, or null for the shell form.</summary>
    public IReadOnlyList<string>? ExecForm(string arguments)
    {
        var text = arguments.Trim();
        return text.StartsWith('[') ? JsonSerializer.Deserialize<List<string>>(text) : null;
    }
}

/// <summary>A stage (`FROM image AS name`) and its instructions.</summary>
public sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction? Last(string keyword) => All(keyword).LastOrDefault();
}

/// <summary>The repository's Dockerfile read into stages; enough syntax for the checks, not a general parser.</summary>
public static class Dockerfile
{
    public static IReadOnlyList<DockerStage> Stages { get; } = Read(Repo.Read("Dockerfile"));

    public static DockerStage Runtime => Stages[^1];

    public static IReadOnlyList<DockerStage> Read(string text)
    {
        var instructions = new List<DockerInstruction>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.TrimStart().StartsWith('#') || string.IsNullOrWhiteSpace(line)) continue;
            var start = i + 1;
            var joined = line;
            // A trailing backslash continues the instruction; comment lines inside a continuation are skipped.
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                joined = joined[..^1];
                var next = lines[++i].TrimEnd('\r');
                if (!next.TrimStart().StartsWith('#')) joined += " " + next.Trim();
            }
            var parts = joined.Trim().Split(' ', 2, StringSplitOptions.TrimEntries);
            instructions.Add(new DockerInstruction(parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1] : "", start));
        }

        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        foreach (var ins in instructions)
        {
            if (ins.Keyword == "FROM")
            {
                var words = ins.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                current = [];
                stages.Add(new DockerStage(words[0], words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, current));
            }
            else current?.Add(ins);
        }
        return stages;
    }
}
