package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;

import dev.hcprollback.config.HcpRollbackConfig;

/** Azurite's blob service as a child process on loopback, on a port picked and retried by {@link Ports}, data in memory. */
public final class AzuriteProcess implements AutoCloseable {

    /** Azurite's well-known development account. */
    public static final String ACCOUNT = "devstoreaccount1";

    /** The sidecar's Azure Blob settings for the container {@code snapshots} of Azurite's account at {@code endpoint}. */
    public static HcpRollbackConfig.Azure config(String endpoint) {
        return new HcpRollbackConfig.Azure() {
            public Optional<String> endpoint() {
                return Optional.of(endpoint);
            }

            public String container() {
                return "snapshots";
            }

            public Optional<String> accountName() {
                return Optional.of(ACCOUNT);
            }

            public Optional<String> accountKey() {
                return Optional.of(KEY);
            }

            public Optional<String> connectionString() {
                return Optional.empty();
            }

            public String credential() {
                return "shared-key";
            }

            public Optional<String> managedIdentityClientId() {
                return Optional.empty();
            }
        };
    }
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private final int port;
    private final Process process;
    private final String scheme;

    public AzuriteProcess(Path dir) {
        this(dir, null);
    }

    /**
     * Azurite on HTTPS serving {@code tls}, accepting Microsoft Entra ID bearer tokens besides the shared key
     * ({@code --oauth basic}: a token's audience, issuer and lifetime are checked, its signature is not) and handing
     * out user-delegation keys.
     */
    public static AzuriteProcess withOAuth(Path dir, TestCertificates.Issued tls) {
        return new AzuriteProcess(dir, tls);
    }

    private AzuriteProcess(Path dir, TestCertificates.Issued tls) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        record Started(int port, Process process) {
        }
        Started started = Ports.startRetryingOnBindFailure("azurite", 1, ports -> {
            List<String> command = new ArrayList<>(List.of(TestTools.azurite().toString(), "--blobHost", "127.0.0.1",
                    "--blobPort", String.valueOf(ports[0]), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
                    "--silent", "--disableTelemetry"));
            if (tls != null) {
                command.addAll(List.of("--oauth", "basic", "--cert", tls.certFile().toString(), "--key",
                        tls.keyFile().toString()));
            }
            return new Started(ports[0], Ports.launch("azurite", new ProcessBuilder(command).directory(dir.toFile()),
                    dir.resolve("azurite.log"), Duration.ofSeconds(120), ports[0]));
        });
        this.port = started.port();
        this.process = started.process();
        this.scheme = tls == null ? "http" : "https";
    }

    public String endpoint() {
        return scheme + "://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    public BlobContainerClient container(String name) {
        BlobContainerClient container = new BlobServiceClientBuilder().endpoint(endpoint())
                .credential(new StorageSharedKeyCredential(ACCOUNT, KEY)).buildClient().getBlobContainerClient(name);
        container.createIfNotExists();
        return container;
    }

    @Override
    public void close() {
        TestTools.stop(process);
    }
}
