package dev.hcprollback.webhook;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.rules.Rule;
import dev.hcprollback.webhook.rules.Verdict;

/**
 * The webhook's log of refusals, one line per kind of refusal and interval: the first refusal of a requester,
 * operation, object and rule is logged at once with its message; identical ones within the interval
 * ({@code hcp-rollback.webhook.refusal-log-interval}) are only counted, and when the interval ends one line
 * says how many more there were. A client retrying a refused request in a loop would otherwise write a line
 * per attempt, from the event loop, and bury the other refusals; {@code hcp_rollback_admission_decisions_total}
 * counts every refusal either way.
 */
@ApplicationScoped
public class RefusalLog {

    private static final Logger LOG = Logger.getLogger(AdmissionResource.class);

    /** What makes two refusals the same for the log. */
    record Kind(String requester, AdmissionCall.Operation operation, String namespace, String name, Rule rule, boolean dryRun) {

        static Kind of(AdmissionCall call, Verdict verdict) {
            return new Kind(call.requester().username(), call.operation(), call.namespace(), call.name(), verdict.rule(),
                    call.dryRun());
        }

        String describe() {
            return operation + " " + namespace + "/" + name + " by " + requester + (dryRun ? " (dry run)" : "");
        }
    }

    private final Consumer<String> sink;
    private final Duration interval;
    /** Refusals logged within the interval, with how many more came since; null when every refusal is logged. */
    private final Cache<Kind, LongAdder> repeats;

    @Inject
    public RefusalLog(HcpRollbackConfig config) {
        this(LOG::info, config.webhook().refusalLogInterval(), Ticker.systemTicker(), Scheduler.systemScheduler(),
                Runnable::run);
    }

    /**
     * @param sink where lines go
     * @param ticker the clock of the intervals
     * @param scheduler wakes the cache when an interval ends, so that its line comes without waiting for the next refusal
     * @param executor runs the end-of-interval line
     */
    RefusalLog(Consumer<String> sink, Duration interval, Ticker ticker, Scheduler scheduler, Executor executor) {
        this.sink = sink;
        this.interval = interval;
        this.repeats = interval.isZero() ? null : Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(interval)
                .ticker(ticker).scheduler(scheduler).executor(executor)
                .<Kind, LongAdder>removalListener((kind, more, cause) -> intervalEnded(kind, more, cause)).build();
    }

    public void refused(AdmissionCall call, Verdict verdict) {
        Kind kind = Kind.of(call, verdict);
        if (repeats == null) {
            sink.accept("denied " + kind.describe() + ": " + verdict.message());
            return;
        }
        boolean[] first = { false };
        LongAdder more = repeats.get(kind, k -> {
            first[0] = true;
            return new LongAdder();
        });
        if (first[0]) {
            sink.accept("denied " + kind.describe() + ": " + verdict.message());
        } else {
            more.increment();
        }
    }

    private void intervalEnded(Kind kind, LongAdder more, RemovalCause cause) {
        long count = more == null ? 0 : more.sum();
        if (count > 0) {
            sink.accept("denied " + kind.describe() + " " + count + " more time" + (count == 1 ? "" : "s") + " by rule "
                    + kind.rule().id() + (cause == RemovalCause.SIZE ? " (counted until the log's memory was full)"
                            : " within " + interval.toSeconds() + " s of the line above"));
        }
    }

    /** Ends every interval now, so that no count is lost when the sidecar stops. */
    @PreDestroy
    void flush() {
        if (repeats != null) {
            repeats.invalidateAll();
            repeats.cleanUp();
        }
    }

    /** Lets the cache end the intervals that are due (tests, with their own ticker). */
    void cleanUp() {
        if (repeats != null) {
            repeats.cleanUp();
        }
    }
}
