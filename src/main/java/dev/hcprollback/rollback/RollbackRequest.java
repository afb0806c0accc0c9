package dev.hcprollback.rollback;

import java.util.Map;
import java.util.Optional;

import dev.hcprollback.hypershift.HostedCluster;

/**
 * A service-led rollback request: the annotations an SRE sets on a HostedCluster. Absent values are
 * empty; a blank reason counts as no reason.
 */
public record RollbackRequest(Optional<String> toVersion, Optional<String> reason, boolean dryRun) {

    public static final String PREFIX = "rollback.hypershift.openshift.io/";
    public static final String TO_VERSION = PREFIX + "to-version";
    public static final String REASON = PREFIX + "reason";
    public static final String DRY_RUN = PREFIX + "dry-run";
    /** Optional: {@code PayloadOnly} reverts the payload and keeps etcd; the default restores etcd. */
    public static final String STRATEGY = PREFIX + "strategy";

    public static final RollbackRequest NONE = new RollbackRequest(Optional.empty(), Optional.empty(), false);

    public static RollbackRequest of(HostedCluster cluster) {
        if (cluster == null || cluster.getMetadata() == null || cluster.getMetadata().getAnnotations() == null) {
            return NONE;
        }
        Map<String, String> annotations = cluster.getMetadata().getAnnotations();
        return new RollbackRequest(
                Optional.ofNullable(annotations.get(TO_VERSION)).map(String::trim).filter(v -> !v.isEmpty()),
                Optional.ofNullable(annotations.get(REASON)).map(String::trim).filter(r -> !r.isEmpty()),
                "true".equalsIgnoreCase(annotations.get(DRY_RUN)));
    }

    public boolean isPresent() {
        return toVersion.isPresent();
    }

    /**
     * Whether any {@code rollback.hypershift.openshift.io/} annotation is added, changed or removed:
     * the request keys, the strategy, and the sidecar's own links alike, so that nobody but an
     * authorised requester can edit a request or the record of one.
     */
    public static boolean annotationsChanged(HostedCluster before, HostedCluster after) {
        return !prefixed(before).equals(prefixed(after));
    }

    private static Map<String, String> prefixed(HostedCluster cluster) {
        if (cluster == null || cluster.getMetadata() == null || cluster.getMetadata().getAnnotations() == null) {
            return Map.of();
        }
        Map<String, String> request = new java.util.TreeMap<>();
        cluster.getMetadata().getAnnotations().forEach((key, value) -> {
            if (key.startsWith(PREFIX)) {
                request.put(key, value);
            }
        });
        return request;
    }
}
