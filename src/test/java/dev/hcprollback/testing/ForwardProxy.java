package dev.hcprollback.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP forward proxy on 127.0.0.1 (port 0), as a cluster-wide proxy is to the sidecar: {@code CONNECT host:port}
 * opens a tunnel (HTTPS), a request in absolute form ({@code GET http://host:port/path}) is passed on to that host
 * as it is (HTTP/1.1 servers accept the absolute form). It records the {@code host:port} of every connection it
 * made, so that a test can tell a request that went through it from one that went direct.
 */
public final class ForwardProxy implements AutoCloseable {

    private final ServerSocket server;
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    /** {@code host:port} asked for, to {@code host:port} connected to; null: every target as asked. */
    private final Map<String, String> routes;

    /** A proxy to every target a client names. */
    public ForwardProxy() throws IOException {
        this(null);
    }

    /**
     * A proxy that reaches only the targets {@link #route} names, each at the address given there, and closes every
     * other connection: a Service's name standing for a server on loopback, and nothing else ever reached.
     */
    public static ForwardProxy routing() throws IOException {
        return new ForwardProxy(new ConcurrentHashMap<>());
    }

    private ForwardProxy(Map<String, String> routes) throws IOException {
        this.routes = routes;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "forward-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code http://127.0.0.1:<port>}, as HTTPS_PROXY and HTTP_PROXY spell it. */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Sends connections to {@code asked} ({@code host:port}) to {@code reached} ({@code host:port}); a routing proxy only. */
    public void route(String asked, String reached) {
        if (routes == null) {
            throw new IllegalStateException("this proxy reaches every target as asked: make one with routing()");
        }
        routes.put(asked, reached);
    }

    /** The {@code host:port} of each connection made on a client's behalf, in order. */
    public List<String> targets() {
        return List.copyOf(targets);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread handler = new Thread(() -> serve(client), "forward-proxy-client");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            byte[] head = readHead(in);
            String requestLine = new String(head, StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
            String[] parts = requestLine.split(" ");
            if (parts.length < 3) {
                client.close();
                return;
            }
            boolean tunnel = parts[0].equals("CONNECT");
            String authority;
            if (tunnel) {
                authority = parts[1];
            } else {
                URI uri = URI.create(parts[1]);
                authority = uri.getHost() + ":" + (uri.getPort() == -1 ? 80 : uri.getPort());
            }
            String reached = routes == null ? authority : routes.get(authority);
            if (reached == null) {
                client.close();
                return;
            }
            int colon = reached.lastIndexOf(':');
            Socket upstream = new Socket(reached.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(reached.substring(colon + 1)));
            open.add(upstream);
            targets.add(authority);
            if (tunnel) {
                client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                client.getOutputStream().flush();
            } else {
                upstream.getOutputStream().write(head);
            }
            Thread back = new Thread(() -> pipe(upstream, client), "forward-proxy-back");
            back.setDaemon(true);
            back.start();
            pipe(client, upstream);
        } catch (IOException | RuntimeException failed) {
            closeQuietly(client);
        }
    }

    /** Up to and including the blank line that ends the request's header. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = { '\r', '\n', '\r', '\n' };
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the request's header ended");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static void pipe(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException closed) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(ForwardProxy::closeQuietly);
    }
}
