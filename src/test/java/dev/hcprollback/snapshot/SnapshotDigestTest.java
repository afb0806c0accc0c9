package dev.hcprollback.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SnapshotDigestTest {

    static byte[] withTrailer(byte[] body) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
        byte[] all = new byte[body.length + hash.length];
        System.arraycopy(body, 0, all, 0, body.length);
        System.arraycopy(hash, 0, all, body.length, hash.length);
        return all;
    }

    @Test
    void checksTheTrailerWhateverTheChunking() throws Exception {
        byte[] body = new byte[100_000];
        new Random(3).nextBytes(body);
        byte[] snapshot = withTrailer(body);
        for (int chunk : new int[] { 1, 7, 31, 32, 33, 4096, snapshot.length }) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SnapshotDigest digest = new SnapshotDigest(out);
            for (int i = 0; i < snapshot.length; i += chunk) {
                digest.write(snapshot, i, Math.min(chunk, snapshot.length - i));
            }
            assertTrue(digest.trailerMatches(), "chunk " + chunk);
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(snapshot)), digest.sha256Hex());
            assertEquals(snapshot.length, digest.size());
            assertArrayEquals(snapshot, out.toByteArray());
        }
    }

    @Test
    void aDamagedStreamFailsTheTrailerCheck() throws Exception {
        byte[] snapshot = withTrailer(new byte[5000]);
        snapshot[1234] ^= 0x40;
        SnapshotDigest digest = new SnapshotDigest(new ByteArrayOutputStream());
        digest.write(snapshot, 0, snapshot.length);
        assertFalse(digest.trailerMatches());
    }

    @Test
    void aStreamShorterThanTheTrailerDoesNotMatch() throws Exception {
        SnapshotDigest digest = new SnapshotDigest(new ByteArrayOutputStream());
        digest.write(new byte[10], 0, 10);
        assertFalse(digest.trailerMatches());
    }
}
