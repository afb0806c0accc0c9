package dev.hcprollback.storage;

import java.io.IOException;
import java.io.OutputStream;

/**
 * One streaming upload. Write the content, then {@link #complete()}; {@link #abort()} (or closing the
 * stream without completing) discards every part already sent, so a failed upload leaves no object.
 */
public abstract class Upload extends OutputStream {

    private final byte[] part;
    private int filled;
    private long written;
    private int parts;
    private boolean finished;

    protected Upload(int partSize) {
        if (partSize < 1) {
            throw new IllegalArgumentException("part size must be positive");
        }
        this.part = new byte[partSize];
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] { (byte) b }, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        ensureOpen();
        while (length > 0) {
            int n = Math.min(length, part.length - filled);
            System.arraycopy(bytes, offset, part, filled, n);
            filled += n;
            offset += n;
            length -= n;
            written += n;
            if (filled == part.length) {
                sendPart();
            }
        }
    }

    private void sendPart() throws IOException {
        parts++;
        sendPart(parts, part, filled);
        filled = 0;
    }

    /** Sends all that was written and makes the object visible. */
    public StoredObject complete() throws IOException {
        ensureOpen();
        try {
            if (filled > 0 || parts == 0) {
                sendPart();
            }
            StoredObject stored = commit(parts);
            finished = true;
            return stored;
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    /** Discards the upload; safe to call more than once and after a failure. */
    public void abort() {
        if (!finished) {
            finished = true;
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

    /** Bytes this upload buffers at most. */
    public int bufferSize() {
        return part.length;
    }

    private void ensureOpen() throws IOException {
        if (finished) {
            throw new IOException("upload already completed or aborted");
        }
    }

    /** Sends part {@code number} (from 1); the array is reused after the call returns. */
    protected abstract void sendPart(int number, byte[] bytes, int length) throws IOException;

    protected abstract StoredObject commit(int partCount) throws IOException;

    /** Removes what was sent; must not throw. */
    protected abstract void discard(int partsSent);
}
