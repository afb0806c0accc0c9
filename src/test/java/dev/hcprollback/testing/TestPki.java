package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.hcprollback.snapshot.EtcdCredentials;

/**
 * A throw-away RSA CA with an etcd server certificate (127.0.0.1, localhost) and a client certificate,
 * as PEM text: what HyperShift's PKI puts into {@code etcd-client-tls} and {@code etcd-ca}.
 */
public final class TestPki {

    public final String caPem;
    public final String serverCertPem;
    public final String serverKeyPem;
    public final String clientCertPem;
    /** PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), as OpenShift's PKI writes keys. */
    public final String clientKeyPem;

    /** The keys live in memory only: the directory the authority writes them to is gone when this returns. */
    public TestPki() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("test-pki");
            TestCertificates authority = TestCertificates.newRsaAuthority(dir, "test-etcd-ca");
            TestCertificates.Issued server = authority.issue(dir, "etcd-server", Duration.ofDays(2));
            TestCertificates.Issued client = authority.issue(dir, "etcd-client", Duration.ofDays(2));
            caPem = authority.caPem();
            serverCertPem = server.certPem();
            serverKeyPem = server.keyPem();
            clientCertPem = client.certPem();
            clientKeyPem = client.traditionalKeyPem();
        } catch (IOException e) {
            throw new UncheckedIOException("could not generate test certificates", e);
        } finally {
            if (dir != null) {
                TestTools.deleteRecursively(dir);
            }
        }
    }

    public EtcdCredentials clientCredentials() {
        return new EtcdCredentials(caPem, clientCertPem, clientKeyPem);
    }

    /** Writes ca.crt, server.crt, server.key, client.crt, client.key into a directory. */
    public Path writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("ca.crt"), caPem);
            Files.writeString(dir.resolve("server.crt"), serverCertPem);
            Files.writeString(dir.resolve("server.key"), serverKeyPem);
            Files.writeString(dir.resolve("client.crt"), clientCertPem);
            Files.writeString(dir.resolve("client.key"), clientKeyPem);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
