package dev.hcprollback.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.registry.ReleaseLookupException.Reason;
import dev.hcprollback.net.EnvironmentProxy;
import dev.hcprollback.testing.ForwardProxy;
import dev.hcprollback.testing.TestCertificates;
import dev.hcprollback.testing.RegistryProcess;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

/**
 * The release-image lookup against a real OCI registry on loopback (TLS from a test CA, htpasswd
 * authentication), with pull secrets served by the mock API server as the HostedCluster's namespace
 * would hold them.
 */
@EnableKubernetesMockClient(crud = true)
class ReleaseImageLookupTest {

    private static final String NAMESPACE = "clusters";
    private static final String REPO = "openshift-release-dev/ocp-release";
    private static final String MIRROR = "openshift-release-dev/ocp-v4.0-art-dev";
    /** Generous: a lookup that must succeed gets whatever time a loaded machine takes for it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /**
     * For the registry that never answers, where the timeout is the subject: still long enough for the rest of the
     * lookup (the pull secret from the API server) on a loaded machine.
     */
    private static final Duration SHORT_TIMEOUT = Duration.ofSeconds(10);

    static KubernetesClient client;

    private static RegistryProcess registry;
    private static String release5;
    private static String unlabelled;
    private static String amd64;
    private static String arm64;

    private ReleaseImageLookup lookup;

    @BeforeAll
    static void pushImages() {
        registry = RegistryProcess.start();
        release5 = registry.pushImage(REPO, "4.18.5-x86_64", "amd64", Map.of(ReleaseImageLookup.VERSION_LABEL, "4.18.5",
                "io.openshift.release.base-image-digest", "sha256:" + "b".repeat(64)));
        // the same image in another repository: same digest, as a mirror holds it
        assertEquals(release5, registry.pushImage(MIRROR, "mirrored", "amd64", Map.of(ReleaseImageLookup.VERSION_LABEL,
                "4.18.5", "io.openshift.release.base-image-digest", "sha256:" + "b".repeat(64))));
        unlabelled = registry.pushImage("somebody/tools", "latest", "amd64", Map.of("maintainer", "nobody"));
        arm64 = registry.pushImage(REPO, "4.18.7-aarch64", "arm64", Map.of(ReleaseImageLookup.VERSION_LABEL, "4.18.7-arm"));
        amd64 = registry.pushImage(REPO, "4.18.7-x86_64", "amd64", Map.of(ReleaseImageLookup.VERSION_LABEL, "4.18.7"));
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void freshLookupAndSecrets() {
        registry.startProcess();
        lookup = new ReleaseImageLookup(client, TIMEOUT, 16, Optional.of(registry.caFile()));
        pullSecret("pull-secret", RegistryProcess.USER, registry.password());
        pullSecret("wrong-password", RegistryProcess.USER, "not-" + registry.password());
    }

    @Test
    void readsTheVersionLabelWithThePullSecret() {
        assertEquals(version("4.18.5"), lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")));
        assertEquals(version("4.18.5"), lookup.releaseVersion(
                new PayloadImage(registry.host() + "/" + REPO + ":4.18.5-x86_64"), NAMESPACE, Optional.of("pull-secret")));
        assertEquals(version("4.18.5"), lookup.releaseVersion(
                new PayloadImage(registry.host() + "/" + REPO + ":4.18.5-x86_64@" + release5), NAMESPACE,
                Optional.of("pull-secret")), "name:tag@digest is looked up by its digest");
        assertEquals(version("4.18.5"), lookup.releaseVersion(byDigest(MIRROR, release5), NAMESPACE, Optional.of("pull-secret")),
                "the same digest through another repository is the same release");
    }

    /** A management cluster behind a cluster-wide proxy: OLM sets HTTPS_PROXY and NO_PROXY in the sidecar's pod. */
    @Test
    void lookupsGoThroughTheProxyOfHttpsProxyUnlessNoProxyNamesTheRegistry() throws IOException {
        try (ForwardProxy proxy = new ForwardProxy()) {
            ReleaseImageLookup proxied = new ReleaseImageLookup(client, TIMEOUT, 16, Optional.of(registry.caFile()),
                    EnvironmentProxy.of(Map.of("HTTPS_PROXY", proxy.url(), "NO_PROXY", ".svc,10.0.0.0/16")));
            assertEquals(version("4.18.5"), proxied.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")));
            assertTrue(!proxy.targets().isEmpty() && proxy.targets().stream().allMatch(registry.host()::equals),
                    "every request to the registry goes through the proxy: " + proxy.targets());

            int before = proxy.targets().size();
            ReleaseImageLookup direct = new ReleaseImageLookup(client, TIMEOUT, 16, Optional.of(registry.caFile()),
                    EnvironmentProxy.of(Map.of("HTTPS_PROXY", proxy.url(), "NO_PROXY", ".svc,127.0.0.0/8")));
            assertEquals(version("4.18.5"), direct.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")));
            assertEquals(before, proxy.targets().size(), "NO_PROXY holds the registry's address: no request through the proxy");
        }
    }

    @Test
    void wrongCredentialsAreRefusedClearly() {
        ReleaseLookupException refused = assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("wrong-password")));
        assertEquals(Reason.UNAUTHORISED, refused.reason());
        assertEquals("registry " + registry.host() + " refused the credentials for " + registry.host()
                + " in pull secret clusters/wrong-password to " + REPO + " (HTTP 401)", refused.getMessage());

        ReleaseLookupException anonymous = assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.empty()));
        assertEquals(Reason.UNAUTHORISED, anonymous.reason());
        assertTrue(anonymous.getMessage().contains("refused anonymous access"), anonymous.getMessage());
    }

    @Test
    void aMissingOrMalformedPullSecretIsNamed() {
        ReleaseLookupException missing = assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("no-such-secret")));
        assertEquals(Reason.PULL_SECRET, missing.reason());
        assertEquals("pull secret clusters/no-such-secret does not exist", missing.getMessage());

        client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName("opaque")
                .withNamespace(NAMESPACE).endMetadata().withType("Opaque").addToData("token", "c2VjcmV0").build()).createOr(
                        existing -> existing.update());
        ReleaseLookupException opaque = assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("opaque")));
        assertEquals("pull secret clusters/opaque has type Opaque; expected kubernetes.io/dockerconfigjson",
                opaque.getMessage());
    }

    @Test
    void anUnknownImageIsNotFound() {
        String absent = "sha256:" + "0".repeat(64);
        ReleaseLookupException notFound = assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(byDigest(REPO, absent), NAMESPACE, Optional.of("pull-secret")));
        assertEquals(Reason.NOT_FOUND, notFound.reason());
        assertEquals("registry " + registry.host() + " has no manifest " + REPO + "@" + absent + " (HTTP 404)",
                notFound.getMessage());
    }

    @Test
    void anImageWithoutTheLabelHasNoVersion() {
        assertEquals(Optional.empty(), lookup.releaseVersion(byDigest("somebody/tools", unlabelled), NAMESPACE,
                Optional.of("pull-secret")));
    }

    @Test
    void anImageIndexIsFollowedToLinuxAmd64ElseToItsFirstEntry() {
        String multi = registry.pushIndex(REPO, "4.18.7-multi", List.of(Map.entry(arm64, "arm64"), Map.entry(amd64, "amd64")));
        assertEquals(version("4.18.7"), lookup.releaseVersion(byDigest(REPO, multi), NAMESPACE, Optional.of("pull-secret")));
        String armOnly = registry.pushIndex(REPO, "4.18.7-arm-only", List.of(Map.entry(arm64, "arm64")));
        assertEquals(version("4.18.7-arm"), lookup.releaseVersion(byDigest(REPO, armOnly), NAMESPACE,
                Optional.of("pull-secret")));
    }

    @Test
    void aRegistryThatIsDownFailsAndTheFailureIsNotCached() {
        registry.stopProcess();
        ReleaseLookupException down = assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")));
        assertEquals(Reason.UNREACHABLE, down.reason());
        assertTrue(down.getMessage().startsWith("registry " + registry.host() + " could not be reached"), down.getMessage());

        registry.startProcess();
        assertEquals(version("4.18.5"), lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")));
    }

    @Test
    void aRegistryThatNeverAnswersFailsWithinTheTimeout() throws IOException {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String host = "127.0.0.1:" + silent.getLocalPort();
            ReleaseImageLookup impatient = new ReleaseImageLookup(client, SHORT_TIMEOUT, 16, Optional.of(registry.caFile()));
            // a hang guard, not a measurement: the lookup itself gives up after SHORT_TIMEOUT
            ReleaseLookupException slow = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> assertThrows(
                    ReleaseLookupException.class, () -> impatient.releaseVersion(new PayloadImage(host + "/" + REPO + "@"
                            + release5), NAMESPACE, Optional.of("pull-secret"))));
            assertEquals(Reason.UNREACHABLE, slow.reason());
            assertEquals("registry " + host + " did not answer within 10000ms while looking up " + REPO, slow.getMessage());
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void aRegistryWhoseBodyStallsAfterItsHeadersFailsWithinTheTimeout(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        TestCertificates authority = TestCertificates.newAuthority(dir, "stalling-registry-ca");
        TestCertificates.Issued tls = authority.issue(dir, "stalling-registry", Duration.ofHours(1));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        com.sun.net.httpserver.HttpsServer stalling = com.sun.net.httpserver.HttpsServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stalling.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(authority.serverContext(tls)));
        stalling.setExecutor(threads);
        // every answer: the headers of a 10 kB manifest, its first bytes, then nothing
        stalling.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
            exchange.sendResponseHeaders(200, 10_000);
            try (java.io.OutputStream out = exchange.getResponseBody()) {
                out.write("{\"schemaVersion\": 2,".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.flush();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stalling.start();
        try {
            String host = "127.0.0.1:" + stalling.getAddress().getPort();
            ReleaseImageLookup trusting = new ReleaseImageLookup(client, SHORT_TIMEOUT, 16, Optional.of(authority.caFile()));
            // a hang guard, not a measurement: the lookup itself gives up after SHORT_TIMEOUT
            ReleaseLookupException slow = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> assertThrows(
                    ReleaseLookupException.class, () -> trusting.releaseVersion(new PayloadImage(host + "/" + REPO + "@" + release5),
                            NAMESPACE, Optional.empty())));
            assertEquals(Reason.UNREACHABLE, slow.reason());
            assertEquals("registry " + host + " did not answer within 10000ms while looking up " + REPO, slow.getMessage());
        } finally {
            release.countDown();
            stalling.stop(0);
            threads.shutdownNow();
        }
    }

    @Test
    void aDigestOnceReadIsAnsweredWithoutTheRegistry() {
        assertEquals(version("4.18.5"), lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")));
        registry.stopProcess();
        assertEquals(version("4.18.5"), lookup.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")),
                "the cached answer for the digest, with the registry down");
        assertEquals(version("4.18.5"), lookup.releaseVersion(byDigest(MIRROR, release5), NAMESPACE, Optional.of("pull-secret")),
                "the cache is by digest, whatever the repository");
        assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(byDigest("somebody/tools", unlabelled), NAMESPACE, Optional.of("pull-secret")),
                "a digest never read still needs the registry");
    }

    @Test
    void aRegistryWhoseCertificateIsNotTrustedIsUnreachable() {
        ReleaseImageLookup withoutTheCa = new ReleaseImageLookup(client, TIMEOUT, 16, Optional.empty());
        ReleaseLookupException untrusted = assertThrows(ReleaseLookupException.class,
                () -> withoutTheCa.releaseVersion(byDigest(REPO, release5), NAMESPACE, Optional.of("pull-secret")));
        assertEquals(Reason.UNREACHABLE, untrusted.reason());
        assertTrue(untrusted.getMessage().contains("SSLHandshakeException"), untrusted.getMessage());
    }

    @Test
    void aRegistryWithTheTokenFlowIsAskedWithAPullToken() {
        String quayLike = registry.tokenAuthHost();
        pullSecret("token-pull-secret", quayLike, RegistryProcess.USER, registry.password());
        pullSecret("token-wrong-password", quayLike, RegistryProcess.USER, "not-" + registry.password());
        PayloadImage payload = new PayloadImage(quayLike + "/" + REPO + "@" + release5);

        assertEquals(version("4.18.5"), lookup.releaseVersion(payload, NAMESPACE, Optional.of("token-pull-secret")));
        assertTrue(registry.tokenRequests().contains("service=hcp-rollback-test-registry&scope=repository:" + REPO
                + ":pull user=" + RegistryProcess.USER), "a pull token for the repository: " + registry.tokenRequests());

        ReleaseLookupException refused = assertThrows(ReleaseLookupException.class,
                () -> lookup.releaseVersion(new PayloadImage(quayLike + "/somebody/tools@" + unlabelled), NAMESPACE,
                        Optional.of("token-wrong-password")));
        assertEquals(Reason.UNAUTHORISED, refused.reason());
        assertEquals("the token service of registry " + quayLike + " (127.0.0.1) refused the credentials for " + quayLike
                + " in pull secret clusters/token-wrong-password (HTTP 401)", refused.getMessage());
    }

    private PayloadImage byDigest(String repository, String digest) {
        return new PayloadImage(registry.host() + "/" + repository + "@" + digest);
    }

    private static Optional<ReleaseVersion> version(String text) {
        return ReleaseVersion.parse(text);
    }

    private void pullSecret(String name, String user, String password) {
        pullSecret(name, registry.host(), user, password);
    }

    private void pullSecret(String name, String host, String user, String password) {
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        String config = "{\"auths\":{\"quay.io\":{\"auth\":\"" + Base64.getEncoder().encodeToString(
                "someone:else".getBytes(StandardCharsets.UTF_8)) + "\"},\"https://" + host + "/v2/\":{\"auth\":\"" + auth
                + "\",\"email\":\"\"}}}";
        client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(name)
                .withNamespace(NAMESPACE).endMetadata().withType("kubernetes.io/dockerconfigjson")
                .addToData(".dockerconfigjson", Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)))
                .build()).createOr(existing -> existing.update());
    }
}
