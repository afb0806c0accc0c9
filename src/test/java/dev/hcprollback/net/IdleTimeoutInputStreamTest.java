package dev.hcprollback.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class IdleTimeoutInputStreamTest {

    @Test
    void aPeerThatSendsNothingMoreEndsTheReadWithTheBytesSoFar() throws Exception {
        PipedOutputStream peer = new PipedOutputStream();
        try (IdleTimeoutInputStream body = new IdleTimeoutInputStream(new PipedInputStream(peer), Duration.ofMillis(200))) {
            peer.write(new byte[10]);
            peer.flush();
            byte[] first = body.readNBytes(10);

            IdleTimeoutInputStream.IdleTimeoutException stalled = assertThrows(IdleTimeoutInputStream.IdleTimeoutException.class,
                    () -> body.read(new byte[16]));

            assertTrue(stalled.getMessage().contains("no data for 0.2 s after 10 bytes"), stalled.getMessage());
            assertFalse(Thread.currentThread().isInterrupted(), "the watchdog's interrupt does not outlive the read");
            assertThrows(IdleTimeoutInputStream.IdleTimeoutException.class, body::read, "the stream stays given up");
            assertArrayEquals(new byte[10], first);
        } finally {
            peer.close();
        }
    }

    @Test
    void aSlowConsumerIsNotTakenForAStalledPeer() throws Exception {
        // the peer has sent everything at once; the reader takes its time between reads, longer than the limit
        byte[] all = new byte[64];
        try (IdleTimeoutInputStream body = new IdleTimeoutInputStream(new java.io.ByteArrayInputStream(all), Duration.ofMillis(50))) {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            byte[] chunk = new byte[16];
            for (int n; (n = body.read(chunk)) >= 0;) {
                read.write(chunk, 0, n);
                Thread.sleep(200);
            }
            assertArrayEquals(all, read.toByteArray());
        }
    }

    @Test
    void aPeerThatClosesEndsTheStreamNormally() throws IOException {
        PipedOutputStream peer = new PipedOutputStream();
        try (IdleTimeoutInputStream body = new IdleTimeoutInputStream(new PipedInputStream(peer), Duration.ofSeconds(30))) {
            peer.write(new byte[] { 1, 2, 3 });
            peer.close();
            assertArrayEquals(new byte[] { 1, 2, 3 }, body.readAllBytes());
        }
    }
}
