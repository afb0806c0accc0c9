package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The webhook's serving certificate for every Quarkus test, issued by a test CA before the
 * application starts, written where the application reads PEM files; tests trust the CA through
 * {@link #TRUST_STORE}. The files can be re-issued under the running application to test reload.
 */
@QuarkusTestResource(WebhookTls.class)
public class WebhookTls implements QuarkusTestResourceLifecycleManager {

    public static final Path DIR = Path.of("target", "test-tls");
    public static final Path TRUST_STORE = DIR.resolve("webhook-truststore.p12");
    public static final String TRUST_STORE_PASSWORD = "changeit";
    /** Laid out as the kubelet mounts a Secret volume. */
    private static final Path MOUNT = DIR.resolve("mount");

    private static TestCertificates authority;

    @Override
    public Map<String, String> start() {
        authority = TestCertificates.newAuthority(DIR, "webhook-test");
        reissue(Duration.ofHours(1));
        authority.trustStore(TRUST_STORE, TRUST_STORE_PASSWORD);
        return Map.of(
                "hcp-rollback.tls.cert-file", MOUNT.resolve("tls.crt").toAbsolutePath().toString(),
                "hcp-rollback.tls.key-file", MOUNT.resolve("tls.key").toAbsolutePath().toString());
    }

    /**
     * Issues a new serving certificate and swaps it in the way the kubelet updates a mounted Secret:
     * both files are written into a fresh directory, then one rename of the {@code ..data} link
     * switches certificate and key together.
     */
    public static synchronized TestCertificates.Issued reissue(Duration validity) {
        try {
            Files.createDirectories(MOUNT);
            Path version = Files.createTempDirectory(MOUNT, "..version-");
            TestCertificates.Issued issued = authority.issue(version, "tls", validity);
            Path next = MOUNT.resolve("..data_tmp");
            Files.deleteIfExists(next);
            Files.createSymbolicLink(next, version.getFileName());
            Files.move(next, MOUNT.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String file : new String[] { "tls.crt", "tls.key" }) {
                if (!Files.isSymbolicLink(MOUNT.resolve(file))) {
                    Files.createSymbolicLink(MOUNT.resolve(file), Path.of("..data", file));
                }
            }
            return issued;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rotate the test serving certificate", e);
        }
    }

    @Override
    public void stop() {
        // the files stay in target/ for a look after a failed run
    }
}
