using AgentHost.Bench.Gateway;

// bench/gateway/run.sh drives these three modes; each can also be run by hand:
//   GatewayBench backend --port 9101 [--chunks 8] [--chunk-delay-ms 0]
//   GatewayBench forward --port 9201 --target http://127.0.0.1:9101   (the bare ASP.NET forwarder: the floor of any .NET gateway)
//   GatewayBench stream --url http://127.0.0.1:8080/v1/chat/completions --requests 200 [--header 'name: value'] [--label serve]
//   GatewayBench report --dir bench/gateway/out/<run> [--smoke]
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: GatewayBench backend|forward|stream|report [options] (see bench/README.md)");
    return 2;
}

var options = CommandLine.Parse(args.Skip(1));
try
{
    return args[0] switch
    {
        "backend" => await CannedBackend.RunAsync(options),
        "forward" => await BareForwarder.RunAsync(options),
        "stream" => await StreamProbe.RunAsync(options),
        "report" => Report.Run(options),
        _ => Fail($"unknown mode '{args[0]}': expected backend, forward, stream or report"),
    };
}
catch (ArgumentException e)
{
    return Fail(e.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine($"GatewayBench: {message}");
    return 2;
}
