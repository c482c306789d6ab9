namespace AirQuality.Grains.Tests.Commands;

/// <summary>Tests that swap <see cref="Console"/>'s writers; they must not run beside any other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCapture
{
    public const string Name = "Console capture";

    /// <summary>Runs a command with the console's output and error captured; the writers are put back after.</summary>
    public static async Task<(int Exit, string Out, string Error)> Run(Func<Task<int>> command)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exit = await command();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
