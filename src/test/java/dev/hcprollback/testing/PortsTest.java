package dev.hcprollback.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The port helper: a start that finds its port taken is recognised and retried elsewhere; nothing else is. */
class PortsTest {

    @TempDir
    Path dir;

    @Test
    void picksDistinctFreePortsBelowTheEphemeralRange() throws Exception {
        int[] ports = Ports.pick(20);
        assertEquals(20, Arrays.stream(ports).distinct().count(), Arrays.toString(ports));
        int firstEphemeral = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0)
                .trim().split("\\s+")[0]);
        for (int port : ports) {
            assertTrue(port >= 10_000 && port < firstEphemeral, port + " is below " + firstEphemeral);
            try (ServerSocket free = new ServerSocket(port, 1, Ports.LOOPBACK)) {
                assertEquals(port, free.getLocalPort());
            }
        }
    }

    @Test
    void aStartThatFindsItsPortTakenIsRetriedOnOtherPortsAndAnyOtherFailureIsNot() {
        List<int[]> tried = new ArrayList<>();
        String started = Ports.startRetryingOnBindFailure("a server", 2, ports -> {
            tried.add(ports);
            if (tried.size() < 3) {
                throw new Ports.AddressInUse("taken");
            }
            return "listening on " + ports[0];
        });
        assertEquals(3, tried.size());
        assertEquals("listening on " + tried.get(2)[0], started);
        assertEquals(6, tried.stream().flatMapToInt(Arrays::stream).distinct().count(), "fresh ports each time");

        IllegalStateException never = assertThrows(IllegalStateException.class,
                () -> Ports.startRetryingOnBindFailure("a server", 1, ports -> {
                    throw new Ports.AddressInUse("a server could not bind (log: server.log): address already in use");
                }));
        assertTrue(never.getMessage().startsWith("a server could not bind its ports in " + Ports.ATTEMPTS + " attempts"),
                never.getMessage());
        assertTrue(never.getMessage().contains("(log: server.log)"), never.getMessage());

        List<int[]> once = new ArrayList<>();
        assertThrows(AssertionError.class, () -> Ports.startRetryingOnBindFailure("a server", 1, ports -> {
            once.add(ports);
            throw new AssertionError("broken for another reason");
        }));
        assertEquals(1, once.size(), "only a taken port is retried");
    }

    @Test
    void aChildProcessThatCannotBindItsPortIsToldApartFromOneThatFailsOtherwise() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, Ports.LOOPBACK)) {
            int[] free = Ports.pick(1);
            Path log = dir.resolve("etcd.log");
            Ports.AddressInUse inUse = assertThrows(Ports.AddressInUse.class, () -> Ports.launch("etcd",
                    etcd(taken.getLocalPort(), free[0]), log, Duration.ofSeconds(120), taken.getLocalPort(), free[0]));
            assertTrue(inUse.getMessage().startsWith("etcd could not bind (log: " + log + "): "), inUse.getMessage());
            assertTrue(inUse.getMessage().contains("address already in use"), inUse.getMessage());
            assertFalse(Files.exists(dir.resolve("etcd-data")), "etcd binds before it writes anything");
        }

        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> Ports.launch("a server",
                new ProcessBuilder("sh", "-c", "echo the configuration is broken; exit 3"), dir.resolve("bad.log"),
                Duration.ofSeconds(120), Ports.pick(1)));
        assertTrue(failed.getMessage().startsWith("a server exited with 3 before it listened on "), failed.getMessage());
        assertTrue(failed.getMessage().endsWith("\nthe configuration is broken"), "quotes the log: " + failed.getMessage());
    }

    @Test
    void anotherProcessListeningOnThePortIsNotTakenForTheOneLaunched() throws Exception {
        try (ServerSocket someoneElse = new ServerSocket(0, 1, Ports.LOOPBACK)) {
            IllegalStateException failed = assertThrows(IllegalStateException.class, () -> Ports.launch("sleep",
                    new ProcessBuilder("sleep", "60"), dir.resolve("sleep.log"), Duration.ofSeconds(1),
                    someoneElse.getLocalPort()));
            assertTrue(failed.getMessage().startsWith("sleep did not listen on [" + someoneElse.getLocalPort() + "]"),
                    failed.getMessage());
        }
        assertFalse(ProcessHandle.current().children().anyMatch(p -> p.info().command().orElse("").endsWith("sleep")),
                "the process that did not listen was stopped");
    }

    @Test
    void aRefusingPortRefusesConnectionsAndIsNotFreeForOthers() {
        try (Ports.Refusing refusing = Ports.refusing()) {
            assertThrows(ConnectException.class, () -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(Ports.LOOPBACK, refusing.port()), 10_000);
                }
            });
            assertThrows(java.net.BindException.class, () -> {
                try (ServerSocket other = new ServerSocket()) {
                    other.bind(new InetSocketAddress(Ports.LOOPBACK, refusing.port()));
                }
            });
        }
    }

    private ProcessBuilder etcd(int clientPort, int peerPort) {
        String client = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        return new ProcessBuilder(TestTools.etcdBin("etcd").toString(), "--name", "etcd-0", "--data-dir",
                dir.resolve("etcd-data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", "etcd-0=" + peer);
    }
}
