package dev.hcprollback.rollback.restore.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The fetch's writes on a thread of their own: every byte in order, and a failure of the file never lost. */
class WriteBehindTest {

    @Test
    void everythingWrittenHasReachedTheStreamWhenCloseReturns() throws IOException {
        byte[] data = new byte[5 * SnapshotDownload.BUFFER_BYTES + 123];
        new Random(3).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WriteBehind behind = new WriteBehind(out);
        byte[] buffer = new byte[SnapshotDownload.BUFFER_BYTES];
        for (int offset = 0; offset < data.length; offset += buffer.length) {
            int n = Math.min(buffer.length, data.length - offset);
            System.arraycopy(data, offset, buffer, 0, n);
            behind.write(buffer, 0, n); // the writer reuses its buffer at once, as the fetch does
        }
        behind.close();
        assertArrayEquals(data, out.toByteArray());
    }

    @Test
    void smallWritesAreHandedOverInWholePieces() throws IOException {
        java.util.List<Integer> handedOver = new java.util.ArrayList<>();
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                handedOver.add(1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                handedOver.add(len);
            }
        };
        WriteBehind behind = new WriteBehind(counting);
        byte[] block = new byte[128 * 1024]; // a zstd block, the most the decoder writes at once
        for (int i = 0; i < 20; i++) {
            behind.write(block);
        }
        behind.close();
        // 2.5 MiB in 20 writes: two whole pieces and the rest, not twenty hand-overs
        assertEquals(java.util.List.of(WriteBehind.PIECE_BYTES, WriteBehind.PIECE_BYTES, 20 * block.length - 2 * WriteBehind.PIECE_BYTES),
                handedOver);
    }

    @Test
    void aFailureOfTheStreamIsThrownAsItIsAndTheWriterNeverWaitsForEver() throws IOException {
        IOException full = new IOException("No space left on device");
        OutputStream volume = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw full;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw full;
            }
        };
        WriteBehind behind = new WriteBehind(volume);
        byte[] piece = new byte[64 * 1024];
        // more than the queue holds: every write either queues or throws the volume's failure
        IOException thrown = assertThrows(IOException.class, () -> {
            for (int i = 0; i < 16 * 4 * WriteBehind.QUEUED; i++) {
                behind.write(piece);
            }
            behind.close();
        });
        assertEquals(full, thrown, "the message (which the fetch tells a full volume by) is the stream's own");
        assertEquals(full, assertThrows(IOException.class, behind::close));
    }
}
