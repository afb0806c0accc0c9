package dev.hcprollback.rollback;

import java.util.Map;
import java.util.Objects;
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

    /** Whether any of the request annotations differ, compared as raw annotation values. */
    public static boolean annotationsChanged(HostedCluster before, HostedCluster after) {
        return !Objects.equals(raw(before, TO_VERSION), raw(after, TO_VERSION))
                || !Objects.equals(raw(before, REASON), raw(after, REASON))
                || !Objects.equals(raw(before, DRY_RUN), raw(after, DRY_RUN));
    }

    private static String raw(HostedCluster cluster, String key) {
        return cluster == null || cluster.getMetadata() == null || cluster.getMetadata().getAnnotations() == null
                ? null
                : cluster.getMetadata().getAnnotations().get(key);
    }
}
