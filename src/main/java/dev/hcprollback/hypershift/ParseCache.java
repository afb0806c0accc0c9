package dev.hcprollback.hypershift;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Parsed values of strings that recur (the pull specs and versions of a fleet's payloads), so that reading one
 * again allocates nothing: the admission webhook parses the same few on every HostedCluster update. Values must
 * be immutable. Bounded: past {@code limit} entries it starts over, so odd spellings cannot grow it.
 */
final class ParseCache<V> {

    private final int limit;
    private final Function<String, V> parse;
    private final Map<String, V> values = new ConcurrentHashMap<>();

    ParseCache(int limit, Function<String, V> parse) {
        this.limit = limit;
        this.parse = parse;
    }

    /** The value of {@code text} (not null), parsed at most once while it stays in the cache. */
    V get(String text) {
        V value = values.get(text);
        if (value == null) {
            value = parse.apply(text);
            if (values.size() >= limit) {
                values.clear();
            }
            values.put(text, value);
        }
        return value;
    }
}
