package dev.hcprollback.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

/** The loopback checks read the kernel's socket tables right, so that they can tell a wildcard listener. */
class ListeningSocketsTest {

    @Test
    void readsTheKernelsLittleEndianAddresses() {
        assertEquals("127.0.0.1", ListeningSockets.address("0100007F").getHostAddress());
        assertFalse(new ListeningSockets.Listener(ListeningSockets.address("00000000"), 9000).loopback(), "0.0.0.0");
        assertTrue(ListeningSockets.address("00000000000000000000000001000000").isLoopbackAddress(), "::1");
        assertFalse(ListeningSockets.address("00000000000000000000000000000000").isLoopbackAddress(), "::");
        assertTrue(ListeningSockets.address("0000000000000000FFFF00000100007F").isLoopbackAddress(), "::ffff:127.0.0.1");
    }

    @Test
    void findsASocketThisProcessListensOn() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertTrue(ListeningSockets.of(ProcessHandle.current().pid()).stream()
                    .anyMatch(l -> l.port() == socket.getLocalPort() && l.loopback()));
        }
    }
}
