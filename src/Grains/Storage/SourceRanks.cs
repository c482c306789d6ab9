using AirQuality.Grains.Abstractions;
using System.Reflection;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Storage;

/// <summary>
/// <see cref="MergePolicy"/>'s priorities as SQL parameters, so the database applies the same "better source wins"
/// rule when it merges values the grain never saw (imports) without a second copy of the ranking in SQL.
/// </summary>
internal static class SourceRanks
{
    /// <summary>Every source name the system knows (the constants of <see cref="SourceNames"/>).</summary>
    public static string[] Names { get; } = typeof(SourceNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    /// <summary>The merge priority of each of <see cref="Names"/> (lower wins).</summary>
    public static int[] Values { get; } = Names.Select(MergePolicy.Priority).ToArray();

    /// <summary>The priority MergePolicy gives a source it does not name.</summary>
    public static int Unknown { get; } = MergePolicy.Priority("\u0001unknown");

    /// <summary>SQL for the rank of a source expression; needs the parameters of <see cref="AddTo"/>.</summary>
    public static string Of(string sourceExpression) =>
        $"coalesce((@rank_values::integer[])[array_position(@rank_names::text[], {sourceExpression})], @rank_unknown)";

    public static void AddTo(Npgsql.NpgsqlCommand command)
    {
        command.Parameters.AddWithValue("rank_names", Names);
        command.Parameters.AddWithValue("rank_values", Values);
        command.Parameters.AddWithValue("rank_unknown", Unknown);
    }
}
