package dev.hcprollback.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import dev.hcprollback.testing.ForwardProxy;
import dev.hcprollback.testing.TestCertificates;

/** Which requests go through the proxy the environment names, decided as OpenShift's cluster-wide proxy spells it. */
class EnvironmentProxyTest {

    /** What OLM injects on an OpenShift cluster with a cluster-wide proxy (the networks and the cluster's domains). */
    private static final Map<String, String> OPENSHIFT = Map.of(
            "HTTPS_PROXY", "http://proxy.corp.example:3128",
            "HTTP_PROXY", "http://proxy.corp.example:3128",
            "NO_PROXY", ".cluster.local,.svc,10.128.0.0/14,127.0.0.1,172.30.0.0/16,api-int.mgmt.example.com,"
                    + "localhost,169.254.169.254,fd02::/112,s3.internal.example:9000");

    @TempDir
    Path dir;
    private ForwardProxy proxy;
    private HttpsServer https;
    private HttpServer http;
    private TestCertificates authority;

    @BeforeEach
    void servers() throws IOException {
        proxy = new ForwardProxy();
        authority = TestCertificates.newAuthority(dir, "proxy-test-ca");
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(authority.serverContext(authority.issue(dir, "target", Duration.ofDays(1)))));
        https.createContext("/", exchange -> {
            byte[] body = "served".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            byte[] body = "plain".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
    }

    @AfterEach
    void stop() throws IOException {
        https.stop(0);
        http.stop(0);
        proxy.close();
    }

    @Test
    void anHttpsRequestGoesThroughTheProxyOfHttpsProxy() throws Exception {
        EnvironmentProxy selected = EnvironmentProxy.of(Map.of("HTTPS_PROXY", proxy.url()));
        assertEquals("served", get(selected, "https://localhost:" + https.getAddress().getPort() + "/"));
        assertEquals(List.of("localhost:" + https.getAddress().getPort()), proxy.targets(), "one CONNECT tunnel to the target");
    }

    @Test
    void aNoProxyHostIsReachedDirectly() throws Exception {
        EnvironmentProxy selected = EnvironmentProxy.of(Map.of("HTTPS_PROXY", proxy.url(), "HTTP_PROXY", proxy.url(),
                "NO_PROXY", "example.com,localhost"));
        assertEquals("served", get(selected, "https://localhost:" + https.getAddress().getPort() + "/"));
        assertEquals("plain", get(selected, "http://localhost:" + http.getAddress().getPort() + "/"));
        assertEquals(List.of(), proxy.targets(), "NO_PROXY names localhost: nothing through the proxy");
    }

    @Test
    void anHttpRequestGoesThroughTheProxyOfHttpProxyOnly() throws Exception {
        String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/";
        assertEquals("plain", get(EnvironmentProxy.of(Map.of("HTTPS_PROXY", proxy.url())), url));
        assertEquals(List.of(), proxy.targets(), "HTTPS_PROXY is for https URLs only");
        assertEquals("plain", get(EnvironmentProxy.of(Map.of("http_proxy", proxy.url())), url));
        assertEquals(List.of("127.0.0.1:" + http.getAddress().getPort()), proxy.targets());
    }

    @Test
    void noProxyReadsOpenShiftsListOfDomainsNetworksAndAddresses() {
        EnvironmentProxy selected = EnvironmentProxy.of(OPENSHIFT);
        InetSocketAddress corporate = InetSocketAddress.createUnresolved("proxy.corp.example", 3128);
        Map<String, Optional<InetSocketAddress>> expected = new java.util.LinkedHashMap<>();
        expected.put("https://quay.io/v2/", Optional.of(corporate));
        expected.put("https://mybucket.s3.eu-west-1.amazonaws.com/key", Optional.of(corporate));
        expected.put("http://registry.example.com:5000/v2/", Optional.of(corporate));
        expected.put("https://etcd-client.clusters-payments.svc:2379", Optional.empty());
        expected.put("https://minio.storage.svc.cluster.local/bucket", Optional.empty());
        expected.put("https://10.129.4.7:8443/", Optional.empty()); // in 10.128.0.0/14
        expected.put("https://10.132.0.1/", Optional.of(corporate)); // just outside it
        expected.put("http://169.254.169.254/metadata/identity/oauth2/token", Optional.empty());
        expected.put("https://[fd02::1a]:443/", Optional.empty());
        expected.put("https://api-int.mgmt.example.com:6443/", Optional.empty());
        expected.put("https://other.mgmt.example.com:6443/", Optional.of(corporate));
        expected.put("http://s3.internal.example:9000/bucket", Optional.empty()); // host:port entry
        expected.put("https://s3.internal.example/bucket", Optional.of(corporate)); // another port
        expected.forEach((url, proxyFor) -> assertEquals(proxyFor, selected.proxyFor(URI.create(url)), url));
    }

    @Test
    void domainsMatchWithOrWithoutALeadingDotOrStar() {
        for (String entry : List.of("example.com", ".example.com", "*.example.com", "EXAMPLE.com")) {
            EnvironmentProxy selected = EnvironmentProxy.of(Map.of("HTTPS_PROXY", "proxy:3128", "NO_PROXY", entry));
            assertTrue(selected.bypasses("s3.example.com", 443), entry);
            assertTrue(selected.bypasses("example.com", 443), entry);
            assertFalse(selected.bypasses("notexample.com", 443), entry);
        }
        assertTrue(EnvironmentProxy.of(Map.of("HTTPS_PROXY", "proxy:3128", "NO_PROXY", "*")).bypasses("anything", 443));
    }

    @Test
    void upperCaseWinsAndAValueWithoutSchemeIsHttpOnPort80() {
        EnvironmentProxy selected = EnvironmentProxy.of(Map.of("HTTPS_PROXY", "upper.example", "https_proxy", "lower.example:1",
                "no_proxy", "internal.example"));
        assertEquals(Optional.of(InetSocketAddress.createUnresolved("upper.example", 80)),
                selected.proxyFor(URI.create("https://quay.io/")));
        assertEquals(Optional.empty(), selected.proxyFor(URI.create("https://internal.example/")), "lower-case no_proxy is read");
        assertEquals(Map.of("HTTPS_PROXY", "upper.example", "https_proxy", "lower.example:1", "no_proxy", "internal.example"),
                selected.variables(), "every variable set is handed on as it is");
        assertEquals("no proxy", EnvironmentProxy.of(Map.of("HTTPS_PROXY", " ", "PATH", "/bin")).toString());
        assertEquals(Map.of(), EnvironmentProxy.of(Map.of("PATH", "/bin")).variables());
    }

    @Test
    void aProxyTheClientsCannotUseIsRefusedNamingTheVariable() {
        assertEquals("HTTPS_PROXY=https://proxy:3128: only an http:// proxy is supported (the JDK's clients cannot speak TLS"
                + " to a proxy); HTTPS still goes end to end through its CONNECT tunnel",
                assertThrows(IllegalArgumentException.class,
                        () -> EnvironmentProxy.of(Map.of("HTTPS_PROXY", "https://proxy:3128"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EnvironmentProxy.of(Map.of("http_proxy", "http://user:secret@proxy:3128"))).getMessage()
                .startsWith("http_proxy carries user credentials"));
    }

    private String get(EnvironmentProxy selected, String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().proxy(selected).sslContext(authority.clientContext())
                .connectTimeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url);
        return response.body();
    }
}
