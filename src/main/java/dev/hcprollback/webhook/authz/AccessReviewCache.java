package dev.hcprollback.webhook.authz;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.hcprollback.webhook.review.Requester;

/**
 * SubjectAccessReview answers kept for a few seconds, as the API server's own webhook authorizer keeps
 * them: an admitted rollback then costs no round trip when the same requester writes again at once (a
 * client retrying, a controller re-applying). An answer, grant or refusal, is served only while younger
 * than the TTL; a review that failed (API server away, timeout) is never kept. Bounded in size, least
 * recently used dropped first.
 */
final class AccessReviewCache {

    /**
     * What a SubjectAccessReview asks about, all of it: the requester as the API server authenticated them
     * (user, uid, groups, extra) and the object (namespace and name; the verb and resource are fixed).
     */
    record Key(String user, String uid, List<String> groups, Map<String, List<String>> extra, String namespace,
            String name) {

        static Key of(Requester requester, String namespace, String name) {
            return new Key(requester.username(), requester.uid(), requester.groups(), requester.extra(), namespace, name);
        }
    }

    /** Empty when the TTL is zero: every decision asks. */
    private final Optional<Cache<Key, Boolean>> answers;

    AccessReviewCache(Duration ttl, int maximumSize, Ticker ticker) {
        answers = ttl.isZero() || ttl.isNegative() || maximumSize <= 0 ? Optional.empty()
                // eviction runs on the calling thread: a few map operations, and no pool to hand work to
                : Optional.of(Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maximumSize).ticker(ticker)
                        .executor(Runnable::run).build());
    }

    /** The answer kept for {@code key}, if one younger than the TTL is. */
    Optional<Boolean> kept(Key key) {
        return answers.map(cache -> cache.getIfPresent(key));
    }

    /**
     * The kept answer, or {@code review}'s, which is kept when it returns; an exception it throws passes
     * through and nothing is kept.
     */
    boolean allowed(Key key, Predicate<Key> review) {
        Optional<Boolean> kept = kept(key);
        if (kept.isPresent()) {
            return kept.get();
        }
        boolean answer = review.test(key);
        answers.ifPresent(cache -> cache.put(key, answer));
        return answer;
    }
}
