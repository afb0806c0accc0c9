package dev.hcprollback.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.github.benmanes.caffeine.cache.Scheduler;

import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.review.Requester;
import dev.hcprollback.webhook.rules.Rule;
import dev.hcprollback.webhook.rules.Verdict;

/**
 * What an SRE reads in the sidecar's log when a client retries a refused request in a loop: its first refusal
 * with the message, then one line per interval with how many more there were, and every other refusal still
 * logged at once.
 */
class RefusalLogTest {

    final List<String> lines = new ArrayList<>();
    final AtomicLong nanos = new AtomicLong();
    final RefusalLog log = new RefusalLog(lines::add, Duration.ofSeconds(60), nanos::get, Scheduler.disabledScheduler(),
            Runnable::run);

    static AdmissionCall call(String user, String name) {
        return new AdmissionCall("uid-" + name, AdmissionCall.Operation.UPDATE, null,
                new Requester(user, "u1", List.of("system:authenticated"), Map.of()), false, "clusters", name, null, null);
    }

    static final Verdict DOWNGRADE = Verdict.deny(Rule.IMAGE_OVERRIDE_UNAUTHORISED, "setting image-overrides needs the rollback verb");

    @Test
    void aRefusalRepeatedInALoopIsLoggedOnceThenCountedPerInterval() {
        for (int i = 0; i < 1000; i++) {
            log.refused(call("customer-admin", "payments"), DOWNGRADE);
        }
        assertEquals(List.of("denied UPDATE clusters/payments by customer-admin: [image-override-unauthorised] setting image-overrides needs the rollback verb"),
                lines);

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
        log.cleanUp();
        assertEquals("denied UPDATE clusters/payments by customer-admin 999 more times by rule image-override-unauthorised"
                + " within 60 s of the line above", lines.get(1));

        log.refused(call("customer-admin", "payments"), DOWNGRADE);
        assertEquals(3, lines.size(), "the next interval starts with a full line again");
        assertEquals(lines.get(0), lines.get(2));
    }

    @Test
    void otherRequestersObjectsAndRulesAreLoggedAtOnce() {
        log.refused(call("customer-admin", "payments"), DOWNGRADE);
        log.refused(call("other-admin", "payments"), DOWNGRADE);
        log.refused(call("customer-admin", "billing"), DOWNGRADE);
        log.refused(call("customer-admin", "payments"), Verdict.deny(Rule.UNKNOWN_VERSION, "the version is unknown"));
        assertEquals(4, lines.size(), lines.toString());
    }

    @Test
    void countsLeftWhenTheSidecarStopsAreLogged() {
        log.refused(call("customer-admin", "payments"), DOWNGRADE);
        log.refused(call("customer-admin", "payments"), DOWNGRADE);
        log.flush();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("denied UPDATE clusters/payments by customer-admin 1 more time by rule image-override-unauthorised"
                + " within 60 s of the line above", lines.get(1));
    }

    @Test
    void aZeroIntervalLogsEveryRefusal() {
        RefusalLog everyOne = new RefusalLog(lines::add, Duration.ZERO, nanos::get, Scheduler.disabledScheduler(), Runnable::run);
        for (int i = 0; i < 3; i++) {
            everyOne.refused(call("customer-admin", "payments"), DOWNGRADE);
        }
        assertEquals(3, lines.size());
    }
}
