package dev.hcprollback.testing;

import java.nio.file.Path;
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

    private static TestCertificates authority;

    @Override
    public Map<String, String> start() {
        authority = TestCertificates.newAuthority(DIR, "webhook-test");
        TestCertificates.Issued serving = reissue(Duration.ofHours(1));
        authority.trustStore(TRUST_STORE, TRUST_STORE_PASSWORD);
        return Map.of(
                "hcp-rollback.tls.cert-file", serving.certFile().toAbsolutePath().toString(),
                "hcp-rollback.tls.key-file", serving.keyFile().toAbsolutePath().toString());
    }

    /** Writes a new serving certificate over the files the application watches, as a rotation would. */
    public static TestCertificates.Issued reissue(Duration validity) {
        return authority.issue(DIR, "webhook", validity);
    }

    @Override
    public void stop() {
        // the files stay in target/ for a look after a failed run
    }
}
