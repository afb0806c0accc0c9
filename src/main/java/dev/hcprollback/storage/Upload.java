package dev.hcprollback.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One streaming upload, as a bounded pipeline of parts: the writer fills one part buffer while up to
 * {@code partsInFlight} full parts are sent concurrently (S3 multi-part upload parts, Azure staged
 * blocks); when every buffer is in flight the writer waits, so memory stays at most
 * {@code (partsInFlight + 1) × partSize} bytes whatever the size of the object. Write the content, then
 * {@link #complete()}; {@link #abort()} (or closing the stream without completing) discards every part
 * already sent, so a failed upload leaves no object. The first failed part fails the next write and
 * {@link #complete()}.
 *
 * <p>Writes and {@link #complete()} come from one thread at a time; parts are sent on the upload's own
 * daemon threads.
 */
public abstract class Upload extends OutputStream {

    /** Parts sent concurrently by default: two keep a link busy while the writer fills the third buffer. */
    public static final int DEFAULT_PARTS_IN_FLIGHT = 2;

    private final int partSize;
    private final int partsInFlight;
    /** Buffers back from a sender, ready to be filled again; allocated lazily up to partsInFlight + 1. */
    private final BlockingQueue<byte[]> free;
    private final ConcurrentSkipListMap<Integer, String> receipts = new ConcurrentSkipListMap<>();
    private final List<Future<?>> sending = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private ExecutorService senders;
    private int allocated;
    private byte[] part;
    private int filled;
    private long written;
    private int parts;
    private volatile boolean finished;

    protected Upload(int partSize) {
        this(partSize, DEFAULT_PARTS_IN_FLIGHT);
    }

    protected Upload(int partSize, int partsInFlight) {
        if (partSize < 1) {
            throw new IllegalArgumentException("part size must be positive");
        }
        if (partsInFlight < 1) {
            throw new IllegalArgumentException("at least one part must be allowed in flight");
        }
        this.partSize = partSize;
        this.partsInFlight = partsInFlight;
        this.free = new ArrayBlockingQueue<>(partsInFlight + 1);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        ensureOpen();
        while (length > 0) {
            if (part == null) {
                part = nextBuffer();
            }
            int n = Math.min(length, partSize - filled);
            System.arraycopy(bytes, offset, part, filled, n);
            filled += n;
            offset += n;
            length -= n;
            written += n;
            if (filled == partSize) {
                sendPart();
            }
        }
    }

    /** A free buffer: a returned one, a new one while fewer than the bound exist, or the next one a sender returns. */
    private byte[] nextBuffer() throws IOException {
        byte[] buffer = free.poll();
        if (buffer == null && allocated <= partsInFlight) {
            allocated++;
            return new byte[partSize];
        }
        try {
            if (buffer == null) {
                buffer = free.take();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a part upload");
        }
        rethrowFailure();
        return buffer;
    }

    private void sendPart() throws IOException {
        rethrowFailure();
        int number = ++parts;
        byte[] bytes = part == null ? new byte[0] : part;
        int length = filled;
        part = null;
        filled = 0;
        if (senders == null) {
            senders = Executors.newFixedThreadPool(partsInFlight, runnable -> {
                Thread thread = new Thread(runnable, "upload-part");
                thread.setDaemon(true);
                return thread;
            });
        }
        sending.add(senders.submit(() -> {
            try {
                if (failure.get() == null && !finished) {
                    receipts.put(number, sendPart(number, bytes, length));
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                if (bytes.length == partSize) {
                    free.offer(bytes);
                }
            }
        }));
    }

    /** Sends what is left, waits for every part, and makes the object visible; on any failure aborts. */
    public StoredObject complete() throws IOException {
        ensureOpen();
        try {
            if (filled > 0 || parts == 0) {
                sendPart();
            }
            awaitParts();
            rethrowFailure();
            StoredObject stored = commit(List.copyOf(receipts.values()));
            finished = true;
            stopSenders();
            return stored;
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    /** Discards the upload once no part is in flight any more; safe to call more than once and after a failure. */
    public void abort() {
        if (!finished) {
            finished = true;
            stopSenders();
            discard(parts);
        }
    }

    @Override
    public void close() {
        abort();
    }

    public long bytesWritten() {
        return written;
    }

    /** Bytes this upload buffers at most: {@code (partsInFlight + 1) × partSize}. */
    public long bufferSize() {
        return (long) (partsInFlight + 1) * partSize;
    }

    public int partSize() {
        return partSize;
    }

    private void awaitParts() throws IOException {
        for (Future<?> part : sending) {
            try {
                part.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the part uploads");
            } catch (ExecutionException e) {
                failure.compareAndSet(null, e.getCause());
            }
        }
    }

    /** Lets parts already on the wire end (a part that finishes after the discard would fail anyway), then stops. */
    private void stopSenders() {
        if (senders != null) {
            senders.shutdown();
            try {
                if (!senders.awaitTermination(2, TimeUnit.MINUTES)) {
                    senders.shutdownNow();
                }
            } catch (InterruptedException e) {
                senders.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void rethrowFailure() throws IOException {
        Throwable e = failure.get();
        if (e instanceof IOException io) {
            throw new IOException(io.getMessage(), io);
        }
        if (e instanceof StorageException s) {
            throw new StorageException(s.getMessage(), s.denied(), s);
        }
        if (e != null) {
            throw new IOException("a part upload failed: " + e, e);
        }
    }

    private void ensureOpen() throws IOException {
        if (finished) {
            throw new IOException("upload already completed or aborted");
        }
        rethrowFailure();
    }

    /**
     * Sends part {@code number} (from 1), on a sender thread; the array is reused after the call returns.
     * Returns what {@link #commit} needs to name the part (an S3 ETag, an Azure block id).
     */
    protected abstract String sendPart(int number, byte[] bytes, int length) throws IOException;

    /** Makes the object of these parts visible; {@code receipts}: what {@link #sendPart} returned, in part order. */
    protected abstract StoredObject commit(List<String> receipts) throws IOException;

    /** Removes what was sent; must not throw. */
    protected abstract void discard(int partsSent);
}
