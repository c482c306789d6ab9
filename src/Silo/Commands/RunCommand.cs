using System.CommandLine;

namespace AirQuality.Silo.Commands;

/// <summary>`run`: start the silo, and in embedded mode the web front beside it.</summary>
public static class RunCommand
{
    private static readonly Option<string?> Urls = new("--urls") { Description = "Addresses the web front listens on (default http://localhost:8080)" };

    public static Command Create()
    {
        var cmd = new Command("run", "Start the system (default verb). With no ConnectionStrings__Postgres: one process, in-memory state, simulated data when no API key is set.")
        {
            Urls,
        };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction((parse, ct) => ExecuteAsync(parse, ct));
        return cmd;
    }

    public static async Task<int> ExecuteAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var urls = parse.GetValue(Urls);
        // Anything the verb does not know goes on to ASP.NET Core configuration (e.g. --Cities:BackfillDays=30).
        var passthrough = parse.UnmatchedTokens.ToList();
        if (urls is not null) passthrough.AddRange(["--urls", urls]);
        var app = SiloHost.Build([.. passthrough]);
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
