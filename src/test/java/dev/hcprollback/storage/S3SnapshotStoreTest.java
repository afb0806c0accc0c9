package dev.hcprollback.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.testing.S3Server;

class S3SnapshotStoreTest extends SnapshotStoreContract {

    static final int PART = 5 * 1024 * 1024;
    static S3Server server;
    static S3SnapshotStore store;

    @BeforeAll
    static void start() {
        server = new S3Server();
        store = server.snapshotStore("snapshots", PART);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    SnapshotStore store() {
        return store;
    }

    @Override
    int partSize() {
        return PART;
    }

    @Test
    void locationNamesBucketAndKey() {
        assertEquals("s3://snapshots/p/k.db", store.locate("p/k.db").location());
    }

    @Test
    void refusedCredentialsAreReportedAsDenied() {
        S3SnapshotStore wrong = new S3SnapshotStore(server.client("test-access", "not-the-secret"), server.presigner(),
                "snapshots", Optional.empty(), PART);
        StorageException e = assertThrows(StorageException.class, () -> wrong.upload("k.db", "application/octet-stream"));
        assertTrue(e.denied(), e.getMessage());
        assertTrue(e.getMessage().startsWith("S3 bucket snapshots: could not start an upload of k.db"), e.getMessage());
    }

    @Test
    void aServerThatIsDownIsAnOutageNotADenial() {
        server.stop();
        try {
            StorageException e = assertThrows(StorageException.class, () -> store.exists("k.db"));
            assertFalse(e.denied());
        } finally {
            server.start();
        }
    }
}
