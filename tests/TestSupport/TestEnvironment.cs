namespace AirQuality.TestSupport;

/// <summary>
/// Tests that need a tool of the machine (a browser, kubectl, nginx, mount namespaces): on a developer's machine
/// without it they skip, saying what to install; in CI (`CI=true`), where everything is installed, a missing tool is
/// a failure, so a broken install can never pass as a green run of skipped tests.
/// </summary>
public static class TestEnvironment
{
    /// <summary>True when the tests run in CI (`CI=true`, as CI services set it).</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the test when <paramref name="available"/> is false, or fails it in CI.</summary>
    /// <exception cref="Xunit.SkipException">Outside CI, when the tool is missing.</exception>
    /// <exception cref="InvalidOperationException">In CI, when the tool is missing.</exception>
    public static void Require(bool available, string reason)
    {
        if (available) return;
        if (InCi) throw new InvalidOperationException($"CI=true and a test's requirement is missing: {reason}");
        Xunit.Skip.If(true, reason);
    }
}
