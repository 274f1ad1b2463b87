using System.Net;
using System.Net.Sockets;

namespace AgentHost.Emulators.Hosting;

/// <summary>Loopback addresses for tests.</summary>
public static class Loopback
{
    /// <summary>An address on 127.0.0.1 where nothing listens: connecting to it is refused.</summary>
    public static Uri RefusingAddress()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
