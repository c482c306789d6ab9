using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace AirQuality.Deployment.Tests.Support;

/// <summary>
/// A node of a parsed YAML document with its path, so that a failed assertion says where it looked
/// (`docker-compose.yml:/services/silo/ports`). Scalars stay strings, as YAML wrote them.
/// </summary>
public sealed class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();
    private readonly object? _value;

    private Yaml(object? value, string path)
    {
        _value = value;
        Path = path;
    }

    public string Path { get; }

    public bool Exists => _value is not null;

    /// <summary>Every document of a YAML file, with `&lt;&lt;` merge keys applied as Compose applies them.</summary>
    public static IReadOnlyList<Yaml> LoadAll(string relativePath)
    {
        var parser = new MergingParser(new Parser(new StringReader(Repo.Read(relativePath))));
        parser.Consume<StreamStart>();
        var docs = new List<Yaml>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var value = Deserializer.Deserialize<object?>(parser);
            if (value is not null) docs.Add(new Yaml(value, relativePath + ":"));
        }
        return docs;
    }

    public static Yaml Load(string relativePath) => LoadAll(relativePath).Single();

    public Yaml this[string key] =>
        new(_value is Dictionary<object, object?> map && map.TryGetValue(key, out var v) ? v : null, $"{Path}/{key}");

    public IEnumerable<Yaml> Items =>
        _value is List<object?> list ? list.Select((v, i) => new Yaml(v, $"{Path}/{i}")) : [];

    public IEnumerable<KeyValuePair<string, Yaml>> Entries =>
        _value is Dictionary<object, object?> map
            ? map.Select(kv => KeyValuePair.Create(kv.Key.ToString()!, new Yaml(kv.Value, $"{Path}/{kv.Key}")))
            : [];

    public IReadOnlyList<string> Keys => Entries.Select(e => e.Key).ToList();

    public bool IsMap => _value is Dictionary<object, object?>;

    public bool IsList => _value is List<object?>;

    /// <summary>The scalar, or null when the node is missing or not a scalar.</summary>
    public string? Text => _value as string;

    public string String => Text ?? throw new Xunit.Sdk.XunitException($"{Path} is not a scalar (missing?)");

    public int Int => int.TryParse(String, out var n) ? n : throw new Xunit.Sdk.XunitException($"{Path} = '{String}' is not an integer");

    /// <summary>A list of scalars (`["run", "--role", "silo"]`).</summary>
    public IReadOnlyList<string> Strings => Items.Select(i => i.String).ToList();

    public override string ToString() => $"{Path} = {_value}";
}
