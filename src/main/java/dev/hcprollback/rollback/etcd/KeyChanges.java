package dev.hcprollback.rollback.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.KindCount;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

/**
 * Counts what changed in an etcd since a revision with keys-only range reads, in pages, every page
 * pinned to the revision of the first so that the count is of one consistent moment.
 */
public final class KeyChanges {

    private static final ByteSequence ALL = ByteSequence.from(new byte[] { 0 });
    private static final int PAGE = 5000;

    private KeyChanges() {
    }

    public static DataLossWindow since(KV kv, long snapshotRevision, Duration timeout) throws Exception {
        DataLossWindow window = new DataLossWindow();
        window.setSnapshotRevision(snapshotRevision);
        Map<String, Long> byResource = new TreeMap<>();
        Set<String> current = new HashSet<>();
        long[] changed = { 0 };
        long currentRevision = scan(kv, 0, timeout, kv1 -> {
            String key = kv1.getKey().toString(StandardCharsets.UTF_8);
            current.add(key);
            if (kv1.getModRevision() > snapshotRevision) {
                changed[0]++;
                byResource.merge(ResourceKeys.resourceOf(key), 1L, Long::sum);
            }
        });
        window.setCurrentRevision(currentRevision);
        window.setKeysChanged(changed[0]);
        window.setKeysChangedByResource(byResource.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .map(e -> new KindCount(e.getKey(), e.getValue())).toList());
        if (snapshotRevision > currentRevision) {
            window.setNote("etcd's revision " + currentRevision + " is lower than the snapshot's " + snapshotRevision
                    + ": this etcd is not the one the snapshot was taken from, or it was restored since");
            return window;
        }
        try {
            long[] deleted = { 0 };
            scan(kv, snapshotRevision, timeout, old -> {
                if (!current.contains(old.getKey().toString(StandardCharsets.UTF_8))) {
                    deleted[0]++;
                }
            });
            window.setKeysDeleted(deleted[0]);
        } catch (ExecutionException e) {
            window.setNote("keys deleted since the snapshot are not counted: etcd compacted revision "
                    + snapshotRevision + " away (" + rootMessage(e) + ")");
        }
        return window;
    }

    /** Visits every key at {@code revision} (0: the current one) in pages; returns the revision read. */
    private static long scan(KV kv, long revision, Duration timeout, Consumer<KeyValue> visit)
            throws Exception {
        ByteSequence from = ALL;
        long pinned = revision;
        while (true) {
            GetOption.Builder option = GetOption.builder().withRange(ALL).withKeysOnly(true).withLimit(PAGE)
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
            if (pinned > 0) {
                option.withRevision(pinned);
            }
            GetResponse page = kv.get(from, option.build()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (pinned == 0) {
                pinned = page.getHeader().getRevision();
            }
            List<KeyValue> kvs = page.getKvs();
            kvs.forEach(visit);
            if (!page.isMore() || kvs.isEmpty()) {
                return pinned;
            }
            byte[] last = kvs.get(kvs.size() - 1).getKey().getBytes();
            byte[] next = new byte[last.length + 1];
            System.arraycopy(last, 0, next, 0, last.length);
            from = ByteSequence.from(next);
        }
    }

    public static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
