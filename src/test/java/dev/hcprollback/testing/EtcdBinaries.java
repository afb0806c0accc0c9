package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The etcd 3.5 tools ({@code etcd}, {@code etcdctl}, {@code etcdutl}) that {@code .ci/install-test-tools}
 * puts in {@code <project>/.tools/etcd/usr/bin}; the system property {@code hcprollback.etcd-bin} points
 * elsewhere. A test that needs them fails, naming the installer, when they are missing.
 */
public final class EtcdBinaries {

    private EtcdBinaries() {
    }

    public static Path dir() {
        String configured = System.getProperty("hcprollback.etcd-bin");
        Path dir = configured != null ? Path.of(configured) : Path.of(".tools/etcd/usr/bin").toAbsolutePath();
        for (String tool : new String[] { "etcd", "etcdctl", "etcdutl" }) {
            if (!Files.isExecutable(dir.resolve(tool))) {
                throw new IllegalStateException(dir.resolve(tool) + " is missing: run .ci/install-test-tools first (it "
                        + "installs etcd 3.5 with etcdctl and etcdutl into .tools/etcd/usr/bin)");
            }
        }
        return dir;
    }

    public static String tool(String name) {
        return dir().resolve(name).toString();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
