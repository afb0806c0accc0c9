package dev.hcprollback.storage;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import dev.hcprollback.testing.AzuriteProcess;

class AzureSnapshotStoreTest extends SnapshotStoreContract {

    static final int BLOCK = 1024 * 1024;
    static AzuriteProcess azurite;
    static AzureSnapshotStore store;

    @BeforeAll
    static void start(@TempDir Path dir) {
        azurite = new AzuriteProcess(dir.resolve("azurite"));
        store = new AzureSnapshotStore(azurite.container("snapshots"), BLOCK);
    }

    @AfterAll
    static void stop() {
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
}
