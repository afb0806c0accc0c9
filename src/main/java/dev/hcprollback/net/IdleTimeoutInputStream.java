package dev.hcprollback.net;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A network body that gives up when a read waits longer than an idle limit. A request timeout (java.net.http's,
 * for one) covers the wait for the headers only: a body that stalls after them would block its reader for good,
 * and no retry would ever start. Only the time spent blocked inside a read counts, so a slow consumer (a disk
 * write between reads) is never taken for a stalled peer.
 *
 * <p>When the limit passes, a watchdog interrupts the blocked reader and closes the stream (one of the two unblocks
 * every stream the JDK hands out: java.net.http's body waits interruptibly, a socket's read ends when it is
 * closed), and the read throws {@link IdleTimeoutException}.
 */
public final class IdleTimeoutInputStream extends FilterInputStream {

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "idle-timeout-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    /** Thrown by a read that waited longer than the idle limit; the stream is closed. */
    public static final class IdleTimeoutException extends IOException {
        IdleTimeoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Duration limit;
    private final ScheduledFuture<?> watch;
    private Thread reader;
    private long readSince;
    private long bytes;
    private boolean timedOut;

    /** Watches {@code in}; {@code limit} is the longest one read may wait for data (at least 10 ms). */
    public IdleTimeoutInputStream(InputStream in, Duration limit) {
        super(in);
        this.limit = limit;
        long period = Math.max(10, limit.toMillis() / 4);
        this.watch = WATCHDOG.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private synchronized void check() {
        if (reader == null || timedOut || System.nanoTime() - readSince < limit.toNanos()) {
            return;
        }
        timedOut = true;
        reader.interrupt();
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // the interrupt alone unblocks the reader
        }
        watch.cancel(false);
    }

    private synchronized void enter() throws IOException {
        if (timedOut) {
            throw idle(null);
        }
        reader = Thread.currentThread();
        readSince = System.nanoTime();
    }

    private synchronized IOException leave(IOException failure, int read) {
        reader = null;
        bytes += Math.max(0, read);
        if (!timedOut) {
            return failure;
        }
        Thread.interrupted(); // the watchdog's interrupt was for the read that ended, not for the caller
        return idle(failure);
    }

    private IdleTimeoutException idle(Throwable cause) {
        return new IdleTimeoutException(describe(limit, bytes), cause);
    }

    /** What a body that stalled says: {@code no data for 0.5 s after 65536 bytes}. */
    public static String describe(Duration limit, long bytes) {
        return "no data for " + limit.toMillis() / 1000.0 + " s after " + bytes + " bytes";
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        enter();
        int n = 0;
        IOException failure = null;
        try {
            n = in.read(buffer, offset, length);
            return n;
        } catch (IOException e) {
            failure = e;
            throw e;
        } finally {
            IOException thrown = leave(failure, n);
            if (thrown != null && thrown != failure) {
                throw thrown;
            }
        }
    }

    @Override
    public void close() throws IOException {
        watch.cancel(false);
        super.close();
    }
}
