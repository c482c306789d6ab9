using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace AirQuality.Silo.Commands;

/// <summary>The verbs of the silo executable.</summary>
public static partial class SiloCommandLine
{
    /// <summary>Exit code of a command line that does not parse (an unknown option, a missing value).</summary>
    public const int UsageError = 2;

    /// <summary>
    /// Configuration handed to the host by `run` (and no verb): only `--Section:Key=value` tokens. Every other verb
    /// treats an unknown token as the error it is.
    /// </summary>
    internal static readonly Argument<string[]> Configuration = CreateConfiguration();

    public static RootCommand Build()
    {
        var root = new RootCommand("Air-quality forecasting cluster for Indian cities: silo host and operator tools.");
        var run = RunCommand.Create();
        root.Add(run);
        root.Add(AqiCommand.Create());
        root.Add(MigrateCommand.Create());
        root.Add(EvaluateCommand.Create());
        root.Add(EvaluateGlobalCommand.Create());
        root.Add(ImportCommand.Create());
        // No verb means `run`, with every option of run accepted at the top level.
        foreach (var o in run.Options) root.Add(o);
        root.Add(Configuration);
        root.SetAction((parse, ct) => RunCommand.ExecuteAsync(parse, ct));
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>; a command line that does not parse prints why (with the options
    /// meant, when a name is close to one) and exits with <see cref="UsageError"/>, running nothing.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count == 0)
        {
            // `run` leaves SIGTERM and Ctrl+C to the host, which stops gracefully within Orleans:ShutdownGracePeriod
            // and exits 0; System.CommandLine's own handling would end the process 2 s after the signal (code 143),
            // cutting the handover of its grains short.
            var hosted = parse.CommandResult.Command is RootCommand || parse.CommandResult.Command.Name == "run";
            return await parse.InvokeAsync(hosted ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null, cancellationToken);
        }
        // The parser's own error answer (the errors, "did you mean" and the verb's help), all on standard error.
        await parse.InvokeAsync(new InvocationConfiguration { Output = Console.Error, Error = Console.Error }, cancellationToken);
        return UsageError;
    }

    private static Argument<string[]> CreateConfiguration()
    {
        var argument = new Argument<string[]>("configuration")
        {
            Description = "Configuration for the host, as --Section:Key=value (e.g. --Cities:BackfillDays=30)",
            Arity = ArgumentArity.ZeroOrMore,
            Hidden = true,
        };
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (ConfigurationToken().IsMatch(token.Value)) continue;
                var command = result.Parent is CommandResult c ? c.Command : null;
                var meant = command is null ? null : Closest(token.Value, command);
                result.AddError($"Unrecognized command or argument '{token.Value}'." +
                                (meant is null ? "" : $" Did you mean '{meant}'?") +
                                " Configuration is given as --Section:Key=value.");
            }
        });
        return argument;
    }

    /// <summary>The option or verb of <paramref name="command"/> closest to a mistyped token, if any is close.</summary>
    private static string? Closest(string token, Command command)
    {
        var name = token.Split('=', 2)[0];
        var candidates = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))
            .Concat(command.Subcommands.Where(s => !s.Hidden).Select(s => s.Name));
        return candidates
            .Select(c => (Name: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= Math.Max(1, x.Name.Length / 3))
            .OrderBy(x => x.Distance)
            .Select(x => x.Name)
            .FirstOrDefault();
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    [GeneratedRegex(@"^--[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.\-]+)+=.*$", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigurationToken();
}
