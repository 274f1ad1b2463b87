using System.Net;
using System.Net.Sockets;
using AgentHost.Emulators.Hosting;

namespace AgentHost.Fallback.Tests.Integration;

/// <summary>The "refused" address the connector and chain tests use refuses, and no other listener can take its port.</summary>
public sealed class LoopbackTests
{
    [Fact]
    public async Task A_refusing_address_refuses_connections_and_keeps_its_port_from_other_listeners()
    {
        var address = Loopback.RefusingAddress();

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, address.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        // A listener that asks for that port (as a parallel Kestrel may be given it) cannot have it, even with SO_REUSEADDR.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        var taken = Assert.Throws<SocketException>(() => other.Bind(new IPEndPoint(IPAddress.Loopback, address.Port)));
        Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Equal(SocketError.ConnectionRefused,
            (await Assert.ThrowsAsync<SocketException>(() => again.ConnectAsync(IPAddress.Loopback, address.Port))).SocketErrorCode);
    }
}
