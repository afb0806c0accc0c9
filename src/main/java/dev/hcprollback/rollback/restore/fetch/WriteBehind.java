package dev.hcprollback.rollback.restore.fetch;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Writes into {@code out} on a thread of its own, so that what the writer does next (read the socket, hash,
 * decode) runs beside the writes (and, for a zstd snapshot, beside the SHA-256 of the decoded bytes that
 * {@code out} computes): the fetch container's work on two cores. What is written is copied into pieces of
 * {@link #PIECE_BYTES} before it is handed over (a zstd decoder writes in blocks of 128 KiB or less, and each hand-over
 * wakes the other thread: on a busy machine a wake-up may wait for a time slice); at most {@link #QUEUED} pieces
 * wait. Nothing is lost: the first failure of {@code out} is thrown, as is, by the next
 * {@link #write} or by {@link #close()}, which returns only once everything written reached {@code out}
 * (whose own {@code close} is the caller's).
 */
final class WriteBehind extends OutputStream {

    /** Pieces written and not yet passed on; a writer that gets this far ahead waits. */
    static final int QUEUED = 4;
    /** The size of a piece handed over, in bytes (the last one may be shorter). */
    static final int PIECE_BYTES = 1 << 20;

    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUED);
    private final Thread thread;
    private volatile IOException failure;
    private boolean closed;
    private byte[] filling = new byte[PIECE_BYTES];
    private int filled;

    WriteBehind(OutputStream out) {
        thread = new Thread(() -> drain(out), "write-behind");
        thread.setDaemon(true);
        thread.start();
    }

    private void drain(OutputStream out) {
        try {
            for (byte[] piece; (piece = queue.take()) != END;) {
                if (failure != null) {
                    continue; // keep taking, so that a writer never waits on a queue nobody empties
                }
                try {
                    out.write(piece);
                } catch (IOException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    failure = new IOException(e.getMessage(), e);
                }
            }
        } catch (InterruptedException e) {
            failure = new InterruptedIOException("the write-behind thread was interrupted");
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("write after close");
        }
        throwFailure();
        while (length > 0) {
            int n = Math.min(length, PIECE_BYTES - filled);
            System.arraycopy(bytes, offset, filling, filled, n);
            filled += n;
            offset += n;
            length -= n;
            if (filled == PIECE_BYTES) {
                put(filling);
                filling = new byte[PIECE_BYTES];
                filled = 0;
            }
        }
    }

    private void put(byte[] piece) throws IOException {
        try {
            queue.put(piece);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        }
    }

    private void throwFailure() throws IOException {
        IOException failed = failure;
        if (failed != null) {
            throw failed;
        }
    }

    /** Waits until everything written reached {@code out}; throws its first failure. Does not close {@code out}. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            if (filled > 0) {
                put(Arrays.copyOf(filling, filled));
            }
            put(END);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the last writes finish");
            }
        }
        throwFailure();
    }
}
