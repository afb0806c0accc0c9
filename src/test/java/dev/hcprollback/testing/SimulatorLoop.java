package dev.hcprollback.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Rounds of simulated controllers (HyperShift's, a kubelet's) on a thread of their own, beside a sidecar that runs
 * by itself, until closed. A round that fails is told to {@code onError} and kept ({@link #lastError()}, for a test's
 * failure message); the next round reads everything again, as a controller's next reconciliation would.
 */
public final class SimulatorLoop implements AutoCloseable {

    private final Thread thread;
    private volatile String lastError;

    public SimulatorLoop(String name, Duration pause, Runnable round, Consumer<RuntimeException> onError) {
        this.thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    round.run();
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException stop) {
                    return;
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return; // stopped in the middle of a request
                    }
                    lastError = e.toString();
                    onError.accept(e);
                }
            }
        }, name);
        thread.setDaemon(true);
    }

    public SimulatorLoop start() {
        thread.start();
        return this;
    }

    /** The thread, not started: for a test that starts it at a moment of its choosing. */
    public Thread thread() {
        return thread;
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Stops the rounds and waits for the one under way. */
    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(Duration.ofSeconds(30).toMillis());
    }
}
