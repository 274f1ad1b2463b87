using AgentHost.Cli;

// `dotnet run --project src/AgentHost -- <command>`; configuration overrides as `--AgentHost:Backends:Mlx:Enabled=false`.
var root = CliCommands.Create();
return await root.Parse(args).InvokeAsync();
