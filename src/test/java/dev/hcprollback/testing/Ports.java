package dev.hcprollback.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Ports for the servers the tests start, on a machine where other builds take ports at the same time.
 *
 * <ul>
 * <li>A server that can bind port 0 and say which port it got (the JDK's {@code HttpServer}, the fabric8 mock
 * API server, Quarkus with {@code quarkus.http.test-ssl-port=0}) does that; nothing here is needed.</li>
 * <li>A server that must be told its ports up front (a child process: etcd, docker-registry, Azurite, the
 * packaged sidecar; or a server that must come back on the same port after a stop) is started through
 * {@link #startRetryingOnBindFailure}: ports are picked, the server is started on them, and if another process
 * took one of them in between, the start fails with {@link AddressInUse} and is tried again on fresh ports.
 * A child process is launched with {@link #launch}, which waits until the process itself listens on its
 * ports and recognises a start that failed on a taken address: by its log, or else by one of its ports
 * being held by another process once it exited.</li>
 * </ul>
 *
 * Ports are picked at random below the kernel's ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}),
 * where neither {@code bind(0)} nor outgoing connections land, are free when picked, and are never handed out
 * twice by one JVM; so a server stopped for a while (to play an outage) finds its port free when it starts again,
 * unless another process picked that very port meanwhile (then its restart fails with {@link AddressInUse}).
 * Everything here is on 127.0.0.1.
 *
 * <pre>{@code
 * Process etcd = Ports.startRetryingOnBindFailure("etcd", 2, ports -> Ports.launch("etcd",
 *         new ProcessBuilder("etcd", "--listen-client-urls", "http://127.0.0.1:" + ports[0], ...),
 *         dir.resolve("etcd.log"), Duration.ofSeconds(60), ports[0], ports[1]));
 * }</pre>
 */
public final class Ports {

    /** Where the tests listen: loopback only. */
    public static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** How often {@link #startRetryingOnBindFailure} starts a server before it gives up. */
    public static final int ATTEMPTS = 5;

    /**
     * What a server's log says when it could not bind: Go ({@code bind: address already in use}), Node
     * ({@code EADDRINUSE}), Java ({@code Address already in use}), Quarkus ({@code Port(s) ... seem to be in use}).
     */
    private static final Pattern BIND_FAILURE = Pattern.compile(
            "(?i)(address already in use|EADDRINUSE|seems? to be in use by another process)");
    private static final int LOWEST = 10_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {
    }

    /** The start of a server on the ports given, which throws {@link AddressInUse} when it could not bind one of them. */
    @FunctionalInterface
    public interface Start<T> {
        T start(int[] ports) throws Exception;
    }

    /**
     * Thrown by a {@link Start} when its server could not bind one of its ports because another process holds it;
     * the message says which server and where its log is. Anything else a start throws is a failure of its own.
     */
    public static final class AddressInUse extends RuntimeException {

        public AddressInUse(String message) {
            super(message);
        }

        public AddressInUse(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Picks {@code count} ports and calls {@code start} with them; when it throws {@link AddressInUse}, picks fresh
     * ports and calls it again, up to {@link #ATTEMPTS} times. {@code start} cleans up after a failed attempt (the
     * process it launched is stopped, see {@link #launch}). Returns what {@code start} returned.
     *
     * @param what the server, for the messages
     * @throws IllegalStateException when every attempt found a port taken (naming each attempt's failure and log),
     *         or when {@code start} failed otherwise with a checked exception
     */
    public static <T> T startRetryingOnBindFailure(String what, int count, Start<T> start) {
        List<String> attempts = new ArrayList<>();
        AddressInUse last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            int[] ports = pick(count);
            try {
                return start.start(ports);
            } catch (AddressInUse taken) {
                last = taken;
                attempts.add("attempt " + attempt + " on ports " + Arrays.toString(ports) + ": " + taken.getMessage());
                System.err.println(what + ": a port was taken before it could bind it, starting again on other ports: "
                        + taken.getMessage());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(what + " did not start on ports " + Arrays.toString(ports) + ": " + e, e);
            }
        }
        throw new IllegalStateException(what + " could not bind its ports in " + ATTEMPTS + " attempts; each time another "
                + "process held one of them:\n  " + String.join("\n  ", attempts), last);
    }

    /**
     * Starts {@code command} with its output appended to {@code log} and waits until the process (or one of its
     * descendants) listens on every one of {@code ports}, as the kernel shows it ({@link ListeningSockets}), so that
     * another process's listener on one of them is never taken for it.
     *
     * @throws AddressInUse when the process exited and what it wrote to {@code log} says an address was in use, or
     *         one of {@code ports} is held by another process
     * @throws IllegalStateException when it exited otherwise or did not listen within {@code limit} (the process is
     *         stopped); both name the log and quote its last lines
     */
    public static Process launch(String what, ProcessBuilder command, Path log, Duration limit, int... ports) {
        long offset;
        Process process;
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            offset = Files.exists(log) ? Files.size(log) : 0;
            process = command.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + what + ": " + command.command(), e);
        }
        try {
            awaitListening(what, process, log, offset, limit, ports);
            return process;
        } catch (RuntimeException | Error e) {
            TestTools.stop(process);
            throw e;
        }
    }

    private static void awaitListening(String what, Process process, Path log, long offset, Duration limit, int... ports) {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Integer> wanted = Arrays.stream(ports).boxed().toList();
        while (true) {
            if (!process.isAlive()) {
                String output = readFrom(log, offset);
                Matcher taken = BIND_FAILURE.matcher(output);
                String line = taken.find() ? lineAround(output, taken.start()) : null;
                if (line != null) {
                    throw new AddressInUse(what + " could not bind (log: " + log + "): " + line);
                }
                // a process that exits without saying why, or whose last words were lost: one of its ports held by
                // another process is reason enough to try elsewhere
                List<Integer> held = wanted.stream().filter(port -> !freeNow(port)).toList();
                if (!held.isEmpty()) {
                    throw new AddressInUse(what + " exited with " + process.exitValue() + " before it listened, and "
                            + held + " is held by another process (log: " + log + ")");
                }
                throw new IllegalStateException(what + " exited with " + process.exitValue() + " before it listened on "
                        + wanted + "; the end of its log " + log + ":\n" + tail(output));
            }
            if (listeners(process).containsAll(wanted)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not listen on " + wanted + " within " + limit.toSeconds()
                        + " s (it listens on " + listeners(process) + "); the end of its log " + log + ":\n"
                        + tail(readFrom(log, offset)));
            }
            TestTools.sleep(50);
        }
    }

    private static Set<Integer> listeners(Process process) {
        return Stream.concat(Stream.of(process.toHandle()), process.descendants()).filter(ProcessHandle::isAlive)
                .flatMap(handle -> {
                    try {
                        return ListeningSockets.of(handle.pid()).stream();
                    } catch (UncheckedIOException ended) {
                        return Stream.empty(); // the process ended between the check and the look
                    }
                }).map(ListeningSockets.Listener::port).collect(Collectors.toSet());
    }

    /** Whether {@code failure} (or a cause of it) is a server's failure to bind a taken address, in this JVM. */
    public static boolean isBindFailure(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof BindException || (e.getMessage() != null && BIND_FAILURE.matcher(e.getMessage()).find())) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code count} distinct ports on 127.0.0.1, each free when picked and never handed out before by this JVM,
     * below the kernel's ephemeral range when there is room (else anywhere the kernel hands out).
     */
    public static int[] pick(int count) {
        int[] range = belowEphemeral();
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            ports[i] = range == null ? kernelPicked() : randomFree(range);
        }
        return ports;
    }

    private static int randomFree(int[] range) {
        for (int tries = 0; tries < 1000; tries++) {
            int port = ThreadLocalRandom.current().nextInt(range[0], range[1] + 1);
            if (HANDED_OUT.add(port) && freeNow(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + range[0] + "-" + range[1] + " after 1000 tries");
    }

    private static int kernelPicked() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static boolean freeNow(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port), 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** {@code [LOWEST, first ephemeral port - 1]}, or null when the ephemeral range leaves fewer than 1000 ports below it. */
    private static int[] belowEphemeral() {
        int firstEphemeral = 32768; // Linux's default
        try {
            // read line by line: Files.readString sees a single byte of this file on some kernels
            String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
                    .split("\\s+");
            firstEphemeral = Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException notLinux) {
            // keep the default
        }
        return firstEphemeral - LOWEST >= 1000 ? new int[] { LOWEST, firstEphemeral - 1 } : null;
    }

    /**
     * A port on 127.0.0.1 where every connection is refused, for as long as this is open: a socket bound to it that
     * does not listen, so that no other process can listen there meanwhile. For a test of an unreachable server.
     */
    public static Refusing refusing() {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(LOOPBACK, 0));
            return new Refusing(socket);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing was bound
            }
            throw new UncheckedIOException(e);
        }
    }

    /** See {@link #refusing()}. */
    public static final class Refusing implements AutoCloseable {

        private final Socket socket;

        private Refusing(Socket socket) {
            this.socket = socket;
        }

        public int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String readFrom(Path log, long offset) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = Math.max(0, file.length() - offset);
            byte[] bytes = new byte[(int) Math.min(length, 1 << 20)];
            file.seek(offset + length - bytes.length);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static String lineAround(String text, int at) {
        int start = text.lastIndexOf('\n', at) + 1;
        int end = text.indexOf('\n', at);
        String line = text.substring(start, end < 0 ? text.length() : end).strip();
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
