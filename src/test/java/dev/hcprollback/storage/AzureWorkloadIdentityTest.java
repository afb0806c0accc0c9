package dev.hcprollback.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import javax.net.ssl.HttpsURLConnection;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.util.HttpClientOptions;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.net.EnvironmentProxy;
import dev.hcprollback.testing.AzuriteProcess;
import dev.hcprollback.testing.EntraTokenEndpoint;
import dev.hcprollback.testing.TestCertificates;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * The whole store contract with a workload identity, as on ARO: no account key anywhere; the sidecar exchanges the
 * pod's service-account token (the webhook's token file) with Entra ID (a local stand-in) for a storage token, which
 * Azurite checks ({@code --oauth basic}), and signs read URLs as user-delegation SAS, which Azurite 3.35 serves.
 */
class AzureWorkloadIdentityTest extends SnapshotStoreContract {

    static final int BLOCK = 1024 * 1024;
    static final String TENANT = "3f4a9c1e-2b6d-4e8f-a0c1-5d7e9b2f4a6c";
    static final String CLIENT = "c0ffee00-1d2e-4f3a-8b9c-0d1e2f3a4b5c";
    /** What the kubelet projects for the webhook: the service account's token for Entra ID's token exchange. */
    static final String SERVICE_ACCOUNT_TOKEN = serviceAccountToken();

    static TestCertificates authority;
    static AzuriteProcess azurite;
    static EntraTokenEndpoint entra;
    static AzureSnapshotStore store;
    static Map<String, String> env;

    @BeforeAll
    static void start(@TempDir Path dir) throws IOException {
        authority = TestCertificates.newAuthority(dir.resolve("pki"), "azure-test");
        TestCertificates.Issued tls = authority.issue(dir.resolve("pki"), "loopback", Duration.ofHours(2));
        azurite = AzuriteProcess.withOAuth(dir.resolve("azurite"), tls);
        entra = new EntraTokenEndpoint(authority, tls, TENANT, CLIENT, SERVICE_ACCOUNT_TOKEN);
        Path tokenFile = Files.writeString(dir.resolve("azure-identity-token"), SERVICE_ACCOUNT_TOKEN);
        env = Map.of("AZURE_CLIENT_ID", CLIENT, "AZURE_TENANT_ID", TENANT,
                "AZURE_FEDERATED_TOKEN_FILE", tokenFile.toString(), "AZURE_AUTHORITY_HOST", entra.authorityHost());
        store = SnapshotStoreProducer.azureStore(settings("workload-identity", Optional.empty()), Duration.ofSeconds(30),
                BLOCK, EnvironmentProxy.of(Map.of()), env, trustingTestAuthority());
        // the container is an operator's to create; here the identity creates it, with its token
        SnapshotStoreProducer.azureContainer(settings("workload-identity", Optional.empty()), Duration.ofSeconds(30),
                EnvironmentProxy.of(Map.of()), env, trustingTestAuthority()).create();
    }

    @AfterAll
    static void stop() {
        if (entra != null) {
            entra.close();
        }
        if (azurite != null) {
            azurite.close();
        }
    }

    @Override
    SnapshotStore store() {
        return store;
    }

    @Override
    int partSize() {
        return BLOCK;
    }

    @Override
    HttpURLConnection connect(URL url) throws IOException {
        HttpsURLConnection connection = (HttpsURLConnection) url.openConnection();
        connection.setSSLSocketFactory(authority.clientContext().getSocketFactory());
        return connection;
    }

    @Test
    void readUrlsAreUserDelegationSasOfTheIdentityItsTokenCameFromTheServiceAccountToken() throws Exception {
        store.put("c/ns/wi/m.json", "{}".getBytes(), "application/json");
        URL url = store.readUrl("c/ns/wi/m.json", Duration.ofMinutes(10));

        String query = url.getQuery();
        assertTrue(query.contains("skoid=" + EntraTokenEndpoint.OBJECT_ID), "signed by a key delegated to the token's "
                + "object id: " + query);
        assertTrue(query.contains("sktid=" + TENANT), query);
        assertEquals(200, connect(url).getResponseCode(), url.toString());
        assertFalse(entra.exchanges().isEmpty(), "the storage token came from Entra ID's token endpoint");
        entra.exchanges().forEach(form -> assertEquals(SERVICE_ACCOUNT_TOKEN, form.get("client_assertion"),
                "the assertion is the webhook's token file"));
    }

    @Test
    void aTokenFileThatIsNotThereIsNamed(@TempDir Path dir) {
        Map<String, String> missing = new HashMap<>(env);
        missing.put("AZURE_FEDERATED_TOKEN_FILE", dir.resolve("gone/azure-identity-token").toString());
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> SnapshotStoreProducer.azureStore(
                settings("workload-identity", Optional.empty()), Duration.ofSeconds(30), BLOCK, EnvironmentProxy.of(Map.of()),
                missing, trustingTestAuthority()));
        assertEquals("credential=workload-identity, but the federated token file " + dir.resolve("gone/azure-identity-token")
                + " (AZURE_FEDERATED_TOKEN_FILE) does not exist: the webhook mounts the service account's projected "
                + "token there", refused.getMessage());
    }

    @Test
    void aCredentialNotSpelledExactlyIsRefusedNotReplaced() {
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> SnapshotStoreProducer.azureStore(
                settings("WorkloadIdentity", Optional.of(AzuriteProcess.KEY)), Duration.ofSeconds(30), BLOCK,
                EnvironmentProxy.of(Map.of()), env, trustingTestAuthority()));
        assertEquals("hcp-rollback.storage.azure.credential=WorkloadIdentity (HCP_ROLLBACK_AZURE_CREDENTIAL) is not one "
                + "of shared-key, workload-identity, managed-identity", refused.getMessage());
    }

    private static String serviceAccountToken() {
        long now = java.time.Instant.now().getEpochSecond();
        java.util.Base64.Encoder base64 = java.util.Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"test\"}".getBytes()) + "."
                + base64.encodeToString(("{\"aud\":[\"api://AzureADTokenExchange\"],\"iss\":\"https://oidc.test/cluster\","
                        + "\"sub\":\"system:serviceaccount:hcp-rollback:hcp-rollback\",\"iat\":" + now + ",\"nbf\":" + now
                        + ",\"exp\":" + (now + 3600) + "}").getBytes()) + "." + base64.encodeToString("unsigned".getBytes());
    }

    /** Azurite's account on HTTPS with {@code credential}, and the account key when {@code key} is given. */
    static HcpRollbackConfig.Azure settings(String credential, Optional<String> key) {
        HcpRollbackConfig.Azure azurite = AzuriteProcess.config(AzureWorkloadIdentityTest.azurite.endpoint());
        return new HcpRollbackConfig.Azure() {
            public Optional<String> endpoint() {
                return azurite.endpoint();
            }

            public String container() {
                return azurite.container();
            }

            public String credential() {
                return credential;
            }

            public Optional<String> accountName() {
                return azurite.accountName();
            }

            public Optional<String> accountKey() {
                return key;
            }

            public Optional<String> connectionString() {
                return Optional.empty();
            }

            public Optional<String> managedIdentityClientId() {
                return Optional.empty();
            }
        };
    }

    /** azure-core's Netty client, trusting the test authority that issued Azurite's and Entra's certificates. */
    static Function<HttpClientOptions, HttpClient> trustingTestAuthority() {
        return options -> {
            try {
                io.netty.handler.ssl.SslContext tls = SslContextBuilder.forClient()
                        .trustManager(authority.caCertificate()).build();
                return new NettyAsyncHttpClientBuilder(reactor.netty.http.client.HttpClient.create()
                        .secure(spec -> spec.sslContext(tls)))
                        .readTimeout(options.getReadTimeout()).responseTimeout(options.getResponseTimeout())
                        .writeTimeout(options.getWriteTimeout()).build();
            } catch (javax.net.ssl.SSLException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
