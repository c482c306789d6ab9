namespace AirQuality.Domain.Aqi;

/// <summary>The categories and colours of an index, read from its breakpoint table rather than restated in code.</summary>
internal sealed class CategoryScale
{
    private readonly (int AqiHi, string Category, string Color)[] _steps;

    public CategoryScale(IEnumerable<Breakpoint> bands)
    {
        _steps = bands
            .GroupBy(b => b.AqiHi)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, g.First().Category, g.First().Color))
            .ToArray();
        if (_steps.Length == 0) throw new InvalidOperationException("A breakpoint table without bands has no categories");
    }

    /// <summary>The category and colour of an index value; values above the table share its top category.</summary>
    public (string Category, string Color) Of(int aqi)
    {
        foreach (var s in _steps)
            if (aqi <= s.AqiHi) return (s.Category, s.Color);
        return (_steps[^1].Category, _steps[^1].Color);
    }
}
