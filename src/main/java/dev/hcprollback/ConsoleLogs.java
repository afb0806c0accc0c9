package dev.hcprollback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.handlers.AsyncHandler;

/**
 * The end of the log when the JVM exits. In the prod profile the console is written by an asynchronous handler
 * (a refusal never waits on stdout); its thread is not waited for when the JVM exits, so the last lines, the reason
 * of a failed start among them, could be lost. {@link #drain} writes them first.
 */
final class ConsoleLogs {

    private ConsoleLogs() {
    }

    /**
     * Takes every asynchronous handler out of the log's handler tree (its handlers take its place: what is logged from
     * now on is written at once), lets it write what it still holds, waiting at most {@code limit}, and flushes.
     * Best effort: a failure here never keeps the JVM from exiting.
     */
    static void drain(Duration limit) {
        try {
            Logger root = LogContext.getLogContext().getLogger("");
            List<AsyncHandler> taken = new ArrayList<>();
            Handler[] handlers = root.getHandlers();
            Handler[] direct = withoutAsync(handlers, taken);
            if (direct != handlers) {
                root.setHandlers(direct);
            }
            long deadline = System.nanoTime() + limit.toNanos();
            for (AsyncHandler async : taken) {
                Handler[] targets = async.getHandlers();
                async.setCloseChildren(false);
                // its thread writes what is queued, then lets go of its handlers
                async.close();
                while (async.getHandlers().length > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Arrays.stream(targets).forEach(Handler::flush);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("the log's last lines may be missing: " + e);
        }
    }

    /** {@code handlers} with each asynchronous one replaced by its own handlers, at any depth; the same array if none. */
    private static Handler[] withoutAsync(Handler[] handlers, List<AsyncHandler> taken) {
        List<Handler> result = new ArrayList<>();
        boolean changed = false;
        for (Handler handler : handlers) {
            if (handler instanceof AsyncHandler async) {
                taken.add(async);
                result.addAll(Arrays.asList(async.getHandlers()));
                changed = true;
            } else {
                if (handler instanceof ExtHandler parent) {
                    Handler[] children = parent.getHandlers();
                    Handler[] direct = withoutAsync(children, taken);
                    if (direct != children) {
                        parent.setHandlers(direct);
                    }
                }
                result.add(handler);
            }
        }
        return changed ? result.toArray(Handler[]::new) : handlers;
    }
}
