using AirQuality.Silo.Commands;

// One executable, several verbs: `run` (the default) starts the system; the others are operator tools.
return await SiloCommandLine.InvokeAsync(args);
