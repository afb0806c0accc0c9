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

    public ForwardProxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "forward-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code http://127.0.0.1:<port>}, as HTTPS_PROXY and HTTP_PROXY spell it. */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
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
            int colon = authority.lastIndexOf(':');
            Socket upstream = new Socket(authority.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(authority.substring(colon + 1)));
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
