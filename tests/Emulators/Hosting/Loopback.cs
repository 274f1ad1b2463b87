using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AgentHost.Emulators.Hosting;

/// <summary>Loopback addresses for tests.</summary>
public static class Loopback
{
    /// <summary>The sockets holding the refusing ports: kept for the life of the test process.</summary>
    private static readonly ConcurrentBag<Socket> Held = [];

    private const int SolSocket = 1; // Linux SOL_SOCKET
    private const int SoReuseAddr = 2; // Linux SO_REUSEADDR

    /// <summary>
    /// An address on 127.0.0.1 that refuses connections and stays refusing: a socket is bound to the port without
    /// listening (a connection attempt gets a reset: refused) and held for the life of the test process, so no other
    /// listener started meanwhile (a parallel test's Kestrel on port 0) can take the port.
    /// </summary>
    public static Uri RefusingAddress()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        if (OperatingSystem.IsLinux())
        {
            // .NET sets SO_REUSEADDR when it binds on Unix; with it, another SO_REUSEADDR socket could still bind the
            // port (neither listening) and then listen on it. Cleared after the bind, any other bind of the port fails.
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(0));
        }

        Held.Add(socket);
        return new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/");
    }
}
