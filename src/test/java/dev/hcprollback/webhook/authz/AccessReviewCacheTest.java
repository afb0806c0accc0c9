package dev.hcprollback.webhook.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import dev.hcprollback.webhook.review.Requester;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The SubjectAccessReview answers the webhook reuses: on a clock the test moves, with a review that counts
 * how often the API server would be asked.
 */
class AccessReviewCacheTest {

    private final AtomicLong nanos = new AtomicLong();
    private final AccessReviewCache cache = new AccessReviewCache(Duration.ofSeconds(5), 100, nanos::get);
    private final AtomicInteger asked = new AtomicInteger();

    private static final AccessReviewCache.Key SRE = key("sre-alice", List.of("system:authenticated", "sre"));

    private static AccessReviewCache.Key key(String user, List<String> groups) {
        return AccessReviewCache.Key.of(new Requester(user, "", groups, Map.of()), "clusters", "prod-1");
    }

    private Predicate<AccessReviewCache.Key> answering(boolean allowed) {
        return key -> {
            asked.incrementAndGet();
            return allowed;
        };
    }

    @Test
    void aGrantIsReusedWithinTheTtlWithoutAskingAgain() {
        assertTrue(cache.allowed(SRE, answering(true)));
        nanos.addAndGet(Duration.ofSeconds(4).toNanos());
        assertTrue(cache.allowed(SRE, answering(false)), "the grant of 4 s ago still stands");
        assertEquals(1, asked.get());
    }

    @Test
    void anAnswerOlderThanTheTtlIsAskedForAgain() {
        assertFalse(cache.allowed(SRE, answering(false)));
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        assertTrue(cache.allowed(SRE, answering(true)), "a refusal is never served past the TTL: RBAC now grants the verb");
        assertEquals(2, asked.get());
    }

    @Test
    void aFailedReviewIsNotKept() {
        Predicate<AccessReviewCache.Key> unreachable = key -> {
            asked.incrementAndGet();
            throw new KubernetesClientException("connection refused");
        };
        assertThrows(KubernetesClientException.class, () -> cache.allowed(SRE, unreachable));
        assertTrue(cache.kept(SRE).isEmpty());
        assertTrue(cache.allowed(SRE, answering(true)), "the next request asks the API server again");
        assertEquals(2, asked.get());
    }

    @Test
    void requestersWithOtherGroupsOrClustersShareNoAnswer() {
        assertTrue(cache.allowed(SRE, answering(true)));
        AccessReviewCache.Key sameUserFewerGroups = key("sre-alice", List.of("system:authenticated"));
        assertFalse(cache.allowed(sameUserFewerGroups, answering(false)), "another set of groups is another question");
        AccessReviewCache.Key otherCluster = AccessReviewCache.Key.of(new Requester("sre-alice", "",
                List.of("system:authenticated", "sre"), Map.of()), "clusters", "prod-2");
        assertFalse(cache.allowed(otherCluster, answering(false)), "another cluster is another question");
        AccessReviewCache.Key otherExtra = AccessReviewCache.Key.of(new Requester("sre-alice", "",
                List.of("system:authenticated", "sre"), Map.of("scopes", List.of("user:info"))), "clusters", "prod-1");
        assertFalse(cache.allowed(otherExtra, answering(false)), "other extra attributes (token scopes) are another question");
        assertEquals(4, asked.get());
    }

    @Test
    void aZeroTtlAsksEveryTime() {
        AccessReviewCache off = new AccessReviewCache(Duration.ZERO, 100, nanos::get);
        assertTrue(off.allowed(SRE, answering(true)));
        assertTrue(off.allowed(SRE, answering(true)));
        assertEquals(2, asked.get());
    }

    @Test
    void theCacheIsBounded() {
        AccessReviewCache small = new AccessReviewCache(Duration.ofMinutes(1), 10, nanos::get);
        for (int i = 0; i < 1000; i++) {
            small.allowed(key("user-" + i, List.of()), answering(true));
        }
        long kept = java.util.stream.IntStream.range(0, 1000)
                .filter(i -> small.kept(key("user-" + i, List.of())).isPresent()).count();
        assertTrue(kept <= 10, "at most the bound is kept, not " + kept);
    }
}
