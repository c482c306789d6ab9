using System.CommandLine;
using Microsoft.Extensions.Options;

namespace AirQuality.Silo.Commands;

/// <summary>`run`: start the silo, the web front, or both in one process (`--role`).</summary>
public static class RunCommand
{
    private static readonly Option<string?> Urls = new("--urls") { Description = "Addresses the HTTP endpoints listen on (default http://localhost:8080)" };

    private static readonly Option<SiloRole> Role = new("--role")
    {
        Description = "all: grains and web front in one process (default); silo: grains, probes, metrics and dashboard; web: web front as a client of the cluster",
        DefaultValueFactory = _ => SiloRole.All,
    };

    public static Command Create()
    {
        var cmd = new Command("run", "Start the system (default verb). With no ConnectionStrings__Postgres: one process, in-memory state, simulated data when no API key is set.")
        {
            Urls,
            Role,
            SiloCommandLine.Configuration,
        };
        cmd.SetAction((parse, ct) => ExecuteAsync(parse, ct));
        return cmd;
    }

    public static async Task<int> ExecuteAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var urls = parse.GetValue(Urls);
        var role = parse.GetValue(Role);
        // Configuration goes on to ASP.NET Core, only in the --Section:Key=value form (e.g. --Cities:BackfillDays=30).
        var passthrough = (parse.GetValue(SiloCommandLine.Configuration) ?? []).ToList();
        if (urls is not null) passthrough.AddRange(["--urls", urls]);
        WebApplication app;
        try
        {
            app = SiloHost.Build([.. passthrough], role);
        }
        catch (OptionsValidationException ex)
        {
            Console.Error.WriteLine("Invalid configuration:");
            foreach (var failure in ex.Failures) Console.Error.WriteLine("  - " + failure);
            return 2;
        }
        await using (app)
        {
            var settings = app.Services.GetRequiredService<ClusterSettings>();
            if (settings.IsClustered && role != SiloRole.Web)
            {
                var problem = await SchemaGate.CheckAsync(settings.PostgresConnectionString!);
                if (problem is not null)
                {
                    Console.Error.WriteLine(problem);
                    return 3;
                }
            }
            await app.RunAsync(cancellationToken);
        }
        return 0;
    }
}
