package dev.hcprollback.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives one endpoint with one request body over HTTPS with keep-alive, either at a fixed rate (open
 * loop: latency counted from when a request was due, so a stalled server cannot hide its queue) or
 * as fast as a fixed number of requests in flight allows (closed loop, for saturation throughput).
 * Every answer is checked: a 200 whose body does not carry the expected decision counts as an error. It runs
 * in the benchmark's JVM (java.net.http, 2 threads) and saturates long before the sidecar: the benchmark uses it
 * for warm-up and low fixed rates only, and reports its JVM's CPU beside each of its runs.
 */
final class LoadGenerator {

    /** Requests outstanding at most in the open loop; beyond it a due request is counted as dropped. */
    private static final int MAX_IN_FLIGHT = 2048;

    /**
     * One measured run, whichever client drove it: its counts, latency percentiles in milliseconds, and what the
     * run cost ({@link Cost}, filled in by whoever watched the processes).
     */
    record Result(String client, String mode, double offeredRate, long completed, long errors, long dropped,
            double seconds, double p50Ms, double p99Ms, double p999Ms, double maxMs, Cost cost) {

        static Result of(String client, String mode, double offeredRate, long completed, long errors, long dropped,
                double seconds, Histogram latencyMicros) {
            return new Result(client, mode, offeredRate, completed, errors, dropped, seconds,
                    latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(99) / 1000.0,
                    latencyMicros.getValueAtPercentile(99.9) / 1000.0, latencyMicros.getMaxValue() / 1000.0, null);
        }

        double throughput() {
            return completed / seconds;
        }

        Result withCost(Cost cost) {
            return new Result(client, mode, offeredRate, completed, errors, dropped, seconds, p50Ms, p99Ms, p999Ms,
                    maxMs, cost);
        }

        /** Sidecar CPU milliseconds per answered request. */
        double serverCpuMsPerRequest() {
            return cost.serverCpuSeconds() * 1000 / Math.max(1, completed);
        }

        /** Bytes the sidecar allocated per answered request, or -1 when not measured. */
        double allocatedBytesPerRequest() {
            return cost.serverAllocatedBytes() < 0 ? -1 : (double) cost.serverAllocatedBytes() / Math.max(1, completed);
        }

        /** The client's CPU as a share of the cores its threads can use (1.0: every thread busy all the time). */
        double clientBusy() {
            return cost.clientCpuSeconds() / seconds / cost.clientThreads();
        }

        /** The client used at least 90% of a core per thread: the run measured the client, not the sidecar. */
        boolean clientBound() {
            return clientBusy() >= 0.9;
        }
    }

    /**
     * What a run cost: the client's CPU seconds (and how many threads it ran), the sidecar's CPU seconds and
     * allocated bytes (-1 when not measured) over the measured interval, and the load average when it ended.
     */
    record Cost(double clientCpuSeconds, int clientThreads, double serverCpuSeconds, long serverAllocatedBytes,
            String loadAverage) {
    }

    private final HttpClient client;
    private final HttpRequest request;
    private final String expectedDecision;

    LoadGenerator(HttpClient client, URI uri, String body, boolean expectAllowed) {
        this.client = client;
        this.request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        this.expectedDecision = "\"allowed\":" + expectAllowed;
    }

    /** One request, to fail fast when a scenario is not what it claims to be. */
    String probe() throws Exception {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains(expectedDecision)) {
            throw new IllegalStateException("scenario answered HTTP " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    Result fixedRate(double perSecond, Duration duration) throws InterruptedException {
        Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long dropped = 0;
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        long interval = (long) (1e9 / perSecond);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long end = start + duration.toNanos();
        for (long i = 0;; i++) {
            long due = start + i * interval;
            if (due >= end) {
                break;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!inFlight.tryAcquire()) {
                dropped++;
                continue;
            }
            client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                latency.recordValue(Math.max(0, (System.nanoTime() - due) / 1000));
                count(response, failure, completed, errors);
                inFlight.release();
            });
        }
        inFlight.tryAcquire(MAX_IN_FLIGHT, 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return Result.of("java open loop", "fixed rate", perSecond, completed.get(), errors.get(), dropped, seconds, latency);
    }

    Result saturate(int concurrency, Duration duration) throws InterruptedException {
        Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int user = 0; user < concurrency; user++) {
            sendUntil(end, latency, completed, errors, done);
        }
        done.await(duration.toSeconds() + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return Result.of("java closed loop", "saturation x" + concurrency, 0, completed.get(), errors.get(), 0, seconds,
                latency);
    }

    private void sendUntil(long end, Histogram latency, AtomicLong completed, AtomicLong errors, CountDownLatch done) {
        long sent = System.nanoTime();
        if (sent >= end) {
            done.countDown();
            return;
        }
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            latency.recordValue(Math.max(0, (System.nanoTime() - sent) / 1000));
            count(response, failure, completed, errors);
            sendUntil(end, latency, completed, errors, done);
        });
    }

    private void count(HttpResponse<String> response, Throwable failure, AtomicLong completed, AtomicLong errors) {
        if (failure != null || response.statusCode() != 200 || !response.body().contains(expectedDecision)) {
            errors.incrementAndGet();
        } else {
            completed.incrementAndGet();
        }
    }
}
