package dev.hcprollback.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** What every backend must do; subclasses supply a store on a real server. */
abstract class SnapshotStoreContract {

    abstract SnapshotStore store();

    /** Parts of this size are what {@link #store()} uses. */
    abstract int partSize();

    /** A connection to a read URL of the store, as the restore Jobs' fetch container opens one. */
    HttpURLConnection connect(URL url) throws java.io.IOException {
        return (HttpURLConnection) url.openConnection();
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void streamsAnObjectInPartsAndReadsItBack() throws Exception {
        byte[] data = random(partSize() * 2 + 12345, 1);
        Upload upload = store().upload("c/ns/a/4.18.6/big.db", "application/octet-stream");
        assertEquals(partSize(), upload.partSize());
        for (int offset = 0; offset < data.length; offset += 7000) {
            upload.write(data, offset, Math.min(7000, data.length - offset));
        }
        assertFalse(store().exists("c/ns/a/4.18.6/big.db"), "nothing is visible before complete()");
        StoredObject stored = upload.complete();
        assertEquals("c/ns/a/4.18.6/big.db", stored.key());
        assertTrue(store().exists(stored.key()));
        assertEquals(OptionalLong.of(data.length), store().size(stored.key()), "the stored size, read without the body");
        assertEquals(OptionalLong.empty(), store().size("c/ns/a/4.18.6/never-written.db"));
        try (InputStream in = store().open(stored.key())) {
            assertArrayEquals(data, in.readAllBytes());
        }
        assertEquals(List.of("c/ns/a/4.18.6/big.db"), store().list("c/ns/a/"));

        URL url = store().readUrl(stored.key(), Duration.ofMinutes(5));
        HttpURLConnection connection = connect(url);
        assertEquals(200, connection.getResponseCode(), url.toString());
        try (InputStream in = connection.getInputStream()) {
            assertArrayEquals(data, in.readAllBytes(), "the read URL serves the object without credentials");
        }

        store().delete(stored.key());
        assertFalse(store().exists(stored.key()));
        assertEquals(OptionalLong.empty(), store().size(stored.key()));
        store().delete(stored.key()); // deleting twice is fine
    }

    @Test
    void anAbortedUploadLeavesNoObject() throws Exception {
        Upload upload = store().upload("c/ns/b/x.db", "application/octet-stream");
        upload.write(random(partSize() + 10, 2));
        upload.abort();
        assertFalse(store().exists("c/ns/b/x.db"));
        assertEquals(List.of(), store().list("c/ns/b/"));
        assertThrows(java.io.IOException.class, () -> upload.write(1), "an aborted upload takes no more bytes");
    }

    @Test
    void storesSmallObjects() throws Exception {
        StoredObject manifest = store().put("c/ns/c/m.json", "{\"a\":1}".getBytes(), "application/json");
        try (InputStream in = store().open(manifest.key())) {
            assertEquals("{\"a\":1}", new String(in.readAllBytes()));
        }
        store().delete(manifest.key());
    }
}
