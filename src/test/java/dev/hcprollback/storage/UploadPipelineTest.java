package dev.hcprollback.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The part pipeline itself, on a recording backend: parts go out concurrently but never more than the
 * bound, the object is assembled in part order whatever order the parts finish in, and a failed part
 * fails the upload and discards it. The real servers' side is in the store and taker tests.
 */
class UploadPipelineTest {

    static final int PART = 1024;

    /** Keeps each part; parts can be held back until a latch opens, or made to fail. */
    static class RecordingUpload extends Upload {
        final Map<Integer, byte[]> sent = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicBoolean discarded = new AtomicBoolean();
        final AtomicBoolean committed = new AtomicBoolean();
        volatile CountDownLatch hold = new CountDownLatch(0);
        /** Parts 1 and 2 each wait here until both are on the wire: two at once, however slow the machine. */
        volatile CountDownLatch firstTwo = new CountDownLatch(0);
        volatile int failing = -1;
        byte[] object;

        RecordingUpload() {
            super(PART, 2);
        }

        @Override
        protected String sendPart(int number, byte[] bytes, int length) throws IOException {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (!hold.await(60, TimeUnit.SECONDS)) {
                    throw new IOException("held too long");
                }
                if (number <= 2) {
                    firstTwo.countDown();
                    if (!firstTwo.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("part " + number + " was never on the wire together with another");
                    }
                }
                // later parts finish first: the object must still come out in part order
                Thread.sleep(number % 2 == 1 ? 20 : 0);
                if (number == failing) {
                    throw new StorageException("bucket: could not upload part " + number + ": connection reset", false, null);
                }
                sent.put(number, java.util.Arrays.copyOf(bytes, length));
                return "etag-" + number;
            } catch (InterruptedException e) {
                throw new IOException(e);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        protected StoredObject commit(List<String> receipts) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < receipts.size(); i++) {
                assertEquals("etag-" + (i + 1), receipts.get(i));
                all.write(sent.get(i + 1));
            }
            object = all.toByteArray();
            committed.set(true);
            return new StoredObject("k", "mem://k");
        }

        @Override
        protected void discard(int partsSent) {
            discarded.set(true);
        }
    }

    @Test
    void partsGoOutConcurrentlyWithinTheBoundAndAssembleInOrder() throws Exception {
        byte[] data = new byte[PART * 9 + 77];
        new Random(3).nextBytes(data);
        RecordingUpload upload = new RecordingUpload();
        upload.firstTwo = new CountDownLatch(2);
        assertEquals(3L * PART, upload.bufferSize(), "two parts in flight and one being filled");
        for (int offset = 0; offset < data.length; offset += 300) {
            upload.write(data, offset, Math.min(300, data.length - offset));
        }
        upload.complete();
        assertArrayEquals(data, upload.object);
        assertEquals(2, upload.maxInFlight.get(), "two parts were on the wire at once, never more");
        assertFalse(upload.discarded.get());
    }

    @Test
    void theWriterWaitsWhenEveryBufferIsInFlight() throws Exception {
        RecordingUpload upload = new RecordingUpload();
        upload.hold = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try {
                upload.write(new byte[PART * 4]);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        writer.join(500);
        assertTrue(writer.isAlive(), "with 3 buffers and no part finished, the 4th part's bytes wait");
        upload.hold.countDown();
        writer.join(60_000);
        assertFalse(writer.isAlive());
        upload.complete();
        assertEquals(4 * PART, upload.object.length);
    }

    @Test
    void aFailedPartFailsTheUploadAndDiscardsIt() throws Exception {
        RecordingUpload upload = new RecordingUpload();
        upload.failing = 2;
        StorageException failure = assertThrows(StorageException.class, () -> {
            for (int i = 0; i < 20; i++) {
                upload.write(new byte[PART]);
            }
            upload.complete();
        });
        assertTrue(failure.getMessage().contains("could not upload part 2"), failure.getMessage());
        upload.abort(); // what the snapshot taker does on any failure
        assertTrue(upload.discarded.get(), "the parts already sent are discarded");
        assertFalse(upload.committed.get(), "no object was made visible");
        assertThrows(IOException.class, () -> upload.write(1));
    }
}
