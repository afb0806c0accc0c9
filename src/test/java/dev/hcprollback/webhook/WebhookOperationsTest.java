package dev.hcprollback.webhook;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.URL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ListeningSockets;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.TestCertificates;
import dev.hcprollback.testing.WebhookClient;
import dev.hcprollback.testing.WebhookTls;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** What an operator sees of the webhook: readiness, metrics, and a certificate rotated under a running pod. */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class WebhookOperationsTest {

    /** Generous, for a loaded machine: these waits end as soon as their condition holds. */
    private static final Duration LIMIT = Duration.ofSeconds(120);

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    /** The management interface, on the port it bound (quarkus.management.test-port=0). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void readyOnceCachesAreSyncedAndTheCertificateIsLoaded() {
        Awaitility.await().atMost(LIMIT).untilAsserted(() -> given().config(WebhookClient.trustingTestCa()).baseUri(management()).get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'admission-webhook' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'admission-webhook' }.data.caches", equalTo("synced"))
                .body("checks.find { it.name == 'admission-webhook' }.data.certificate", equalTo("loaded")));
    }

    @Test
    void decisionsAreCountedByOperationDecisionAndRule() {
        HostedClusters cluster = HostedClusters.onSixAfterFive("metrics");
        new WebhookClient(webhook).review("/validate/hostedclusters",
                AdmissionReviews.update(cluster, cluster.copy().release(HostedClusters.tag("4.18.5"))))
                .statusCode(200).body("response.allowed", equalTo(false));

        given().config(WebhookClient.trustingTestCa()).baseUri(management()).get("/metrics").then()
                .statusCode(200)
                .body(containsString("hcp_rollback_admission_decisions_total{decision=\"denied\",operation=\"UPDATE\",resource=\"hostedclusters\",rule=\"rollback-not-requested\"}"))
                .body(containsString("hcp_rollback_admission_decision_seconds_bucket{resource=\"hostedclusters\""))
                // the alert HcpRollbackWebhookErrors needs the counter at 0 before the first error
                .body(containsString("hcp_rollback_admission_errors_total{resource=\"hostedclusters\"} 0.0"))
                // which build runs, for dashboards and rolling updates
                .body(matchesPattern("(?s).*\nhcp_rollback_build_info\\{java_version=\"[^\"]+\",version=\"[^\"]+\",?} 1\\.0\n.*"));
    }

    @Test
    void everyPortTheTestsOpenListensOnLoopbackOnly() {
        List<ListeningSockets.Listener> listeners = ListeningSockets.of(ProcessHandle.current().pid());
        List<Integer> ports = listeners.stream().map(ListeningSockets.Listener::port).toList();
        assertTrue(ports.containsAll(List.of(webhook.getPort(), management.getPort())),
                "the webhook and management ports (" + webhook + ", " + management + ") are among " + listeners);
        assertEquals(List.of(), listeners.stream().filter(l -> !l.loopback()).toList(),
                "sockets listening beyond loopback, of " + listeners);
    }

    @Test
    void aRotatedCertificateIsServedWithoutRestart() throws Exception {
        BigInteger before = servedCertificate().getSerialNumber();
        TestCertificates.Issued rotated = WebhookTls.reissue(Duration.ofHours(2));
        assertNotEquals(before, rotated.certificate().getSerialNumber());

        Awaitility.await("the webhook serves the rotated certificate").atMost(LIMIT)
                .pollInterval(Duration.ofMillis(250))
                // a handshake that meets the swap of the TLS options may be cut; the API server would retry it
                .ignoreExceptionsInstanceOf(javax.net.ssl.SSLHandshakeException.class)
                .until(() -> servedCertificate().getSerialNumber().equals(rotated.certificate().getSerialNumber()));
        assertEquals(rotated.certificate().getNotAfter(), servedCertificate().getNotAfter());
    }

    /** HTTPS: the management port serves the webhook's certificate (quarkus.management.tls-configuration-name). */
    private String management() {
        return "https://" + management.getHost() + ":" + management.getPort();
    }

    private X509Certificate servedCertificate() throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(WebhookTls.TRUST_STORE)) {
            trust.load(in, WebhookTls.TRUST_STORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, factory.getTrustManagers(), null);
        HttpsURLConnection connection = (HttpsURLConnection) new URL(webhook, "/q/none").openConnection();
        connection.setSSLSocketFactory(tls.getSocketFactory());
        connection.setRequestProperty("Connection", "close");
        try {
            connection.connect();
            return (X509Certificate) connection.getServerCertificates()[0];
        } finally {
            connection.disconnect();
        }
    }
}
