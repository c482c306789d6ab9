using System.CommandLine;

namespace AirQuality.Silo.Commands;

/// <summary>The verbs of the silo executable.</summary>
public static class SiloCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Air-quality forecasting cluster for Indian cities: silo host and operator tools.");
        var run = RunCommand.Create();
        root.Add(run);
        root.Add(AqiCommand.Create());
        root.Add(MigrateCommand.Create());
        root.Add(EvaluateCommand.Create());
        root.Add(ImportCommand.Create());
        // No verb means `run`, with every option of run accepted at the top level.
        foreach (var o in run.Options) root.Add(o);
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((parse, ct) => RunCommand.ExecuteAsync(parse, ct));
        return root;
    }
}
