package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;

/** Azurite's blob service as a child process on a free loopback port, data in memory. */
public final class AzuriteProcess implements AutoCloseable {

    /** Azurite's well-known development account. */
    public static final String ACCOUNT = "devstoreaccount1";
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private final int port = TestTools.freePort();
    private final Process process;

    public AzuriteProcess(Path dir) {
        try {
            Files.createDirectories(dir);
            process = new ProcessBuilder(TestTools.azurite().toString(), "--blobHost", "127.0.0.1", "--blobPort",
                    String.valueOf(port), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent")
                    .directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("azurite.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestTools.waitForPort(port, process, "azurite (log: " + dir.resolve("azurite.log") + ")");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    public BlobContainerClient container(String name) {
        BlobContainerClient container = new BlobServiceClientBuilder().endpoint(endpoint())
                .credential(new StorageSharedKeyCredential(ACCOUNT, KEY)).buildClient().getBlobContainerClient(name);
        container.createIfNotExists();
        return container;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
