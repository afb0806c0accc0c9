package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.hcprollback.hypershift.HostedCluster;

/**
 * A service-led rollback request: the annotations an SRE sets on a HostedCluster, read by the one parser that the
 * webhook and the controllers share. Absent values are empty; a blank reason counts as no reason. A flag or a
 * strategy takes exactly one of the values it accepts: any other spelling ({@code "True"}, {@code "yes"},
 * {@code " true"}, {@code "payloadonly"}) is an {@link InvalidValue}, which the webhook refuses and the controllers
 * never act on, so that a value nobody recognised never falls to the data-losing side (a real rollback instead of
 * a dry run, an etcd restore instead of a payload-only revert).
 */
public record RollbackRequest(Optional<String> toVersion, Optional<String> reason, boolean dryRun, RollbackStrategy strategy,
        Optional<String> cancel, List<InvalidValue> invalid) {

    public static final String PREFIX = "rollback.hypershift.openshift.io/";
    public static final String TO_VERSION = PREFIX + "to-version";
    public static final String REASON = PREFIX + "reason";
    /** {@code "true"}: plan only. Absent or {@code "false"}: the rollback runs. */
    public static final String DRY_RUN = PREFIX + "dry-run";
    /** Optional: {@code PayloadOnly} reverts the payload and keeps etcd; absent or {@code RestoreEtcd} restores etcd. */
    public static final String STRATEGY = PREFIX + "strategy";
    /**
     * Cancels the cluster's unfinished rollback before its point of no return. Its value is the user name of whoever
     * sets it, exactly as the API server names them ({@code kubectl auth whoami}): the webhook admits it only from that
     * user, so that the record can name who cancelled. Absent or empty: no cancel.
     */
    public static final String CANCEL = PREFIX + "cancel";
    /** The annotations a cancel withdraws once the rollback is undone: the request, and the cancel itself. */
    public static final List<String> WITHDRAWN_BY_CANCEL = List.of(TO_VERSION, REASON, DRY_RUN, STRATEGY, CANCEL);
    /** {@code "true"}: the sidecar files the rollback request of an Unhealthy update itself. */
    public static final String AUTO_ROLLBACK = PREFIX + "auto-rollback";
    /**
     * The ControlPlaneUpdate (named after the update: cluster uid, version, start) whose automatic rollback the
     * sidecar filed, set in the same patch as the request. It keeps the filing to one per update when the records are
     * deleted and made again; only the sidecar may set, change or remove it.
     */
    public static final String AUTO_ROLLBACK_FILED = PREFIX + "auto-rollback-filed";

    /** The values a yes/no annotation accepts, exactly as written. */
    static final List<String> FLAG_VALUES = List.of("true", "false");

    public static final RollbackRequest NONE = new RollbackRequest(Optional.empty(), Optional.empty(), false,
            RollbackStrategy.RestoreEtcd, Optional.empty(), List.of());

    /** An annotation whose value is none of those it accepts. */
    public record InvalidValue(String key, String value, List<String> accepted) {

        /** {@code <key> is '<value>'; it takes exactly 'a' or 'b', or no annotation}. */
        public String describe() {
            return key + " is '" + value + "'; it takes exactly "
                    + accepted.stream().map(v -> "'" + v + "'").collect(Collectors.joining(" or ")) + ", or no annotation";
        }
    }

    public static RollbackRequest of(HostedCluster cluster) {
        if (cluster == null || cluster.getMetadata() == null || cluster.getMetadata().getAnnotations() == null) {
            return NONE;
        }
        return of(cluster.getMetadata().getAnnotations());
    }

    /** Reads the request from a HostedCluster's annotations. The version and the cancel are taken as written (never trimmed). */
    public static RollbackRequest of(Map<String, String> annotations) {
        List<InvalidValue> invalid = new ArrayList<>();
        boolean dryRun = flag(annotations, DRY_RUN, invalid).orElse(false);
        flag(annotations, AUTO_ROLLBACK, invalid);
        String strategy = annotations.get(STRATEGY);
        RollbackStrategy parsed = RollbackStrategy.RestoreEtcd;
        if (strategy != null) {
            List<String> accepted = Arrays.stream(RollbackStrategy.values()).map(Enum::name).toList();
            if (accepted.contains(strategy)) {
                parsed = RollbackStrategy.valueOf(strategy);
            } else {
                invalid.add(new InvalidValue(STRATEGY, strategy, accepted));
            }
        }
        return new RollbackRequest(
                Optional.ofNullable(annotations.get(TO_VERSION)).filter(v -> !v.isEmpty()),
                Optional.ofNullable(annotations.get(REASON)).map(String::trim).filter(r -> !r.isEmpty()),
                dryRun, parsed, Optional.ofNullable(annotations.get(CANCEL)).filter(v -> !v.isEmpty()),
                List.copyOf(invalid));
    }

    /** Whether the cluster opted in to automatic rollbacks: only an exact {@code "true"} opts in. */
    public static boolean autoRollback(HostedCluster cluster) {
        Map<String, String> annotations = cluster == null || cluster.getMetadata() == null
                || cluster.getMetadata().getAnnotations() == null ? Map.of() : cluster.getMetadata().getAnnotations();
        return flag(annotations, AUTO_ROLLBACK, new ArrayList<>()).orElse(false);
    }

    /** The ControlPlaneUpdate whose automatic rollback the sidecar filed ({@link #AUTO_ROLLBACK_FILED}), if any. */
    public static Optional<String> autoRollbackFiled(HostedCluster cluster) {
        return Optional.ofNullable(cluster).map(HostedCluster::getMetadata).map(m -> m.getAnnotations())
                .map(a -> a.get(AUTO_ROLLBACK_FILED)).filter(v -> !v.isEmpty());
    }

    /** Whether {@link #AUTO_ROLLBACK_FILED} is added, changed or removed (an empty value counts as a value). */
    public static boolean autoRollbackFiledChanged(HostedCluster before, HostedCluster after) {
        return !java.util.Objects.equals(prefixed(before).get(AUTO_ROLLBACK_FILED), prefixed(after).get(AUTO_ROLLBACK_FILED));
    }

    /** A yes/no annotation: empty when absent or invalid (then recorded in {@code invalid}). */
    private static Optional<Boolean> flag(Map<String, String> annotations, String key, List<InvalidValue> invalid) {
        String value = annotations.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!FLAG_VALUES.contains(value)) {
            invalid.add(new InvalidValue(key, value, FLAG_VALUES));
            return Optional.empty();
        }
        return Optional.of(Boolean.parseBoolean(value));
    }

    public boolean isPresent() {
        return toVersion.isPresent();
    }

    /** Whether every annotation of the request has a value it accepts. */
    public boolean isValid() {
        return invalid.isEmpty();
    }

    /**
     * Whether any {@code rollback.hypershift.openshift.io/} annotation is added, changed or removed:
     * the request keys, the strategy, and the sidecar's own links alike, so that nobody but an
     * authorised requester can edit a request or the record of one. The payload quarantine's keys are judged on
     * their own ({@link PayloadQuarantine}).
     */
    public static boolean annotationsChanged(HostedCluster before, HostedCluster after) {
        return !prefixed(before).equals(prefixed(after));
    }

    private static Map<String, String> prefixed(HostedCluster cluster) {
        if (cluster == null || cluster.getMetadata() == null || cluster.getMetadata().getAnnotations() == null) {
            return Map.of();
        }
        Map<String, String> request = null; // made only when there is one: the admission webhook asks on every update
        for (Map.Entry<String, String> annotation : cluster.getMetadata().getAnnotations().entrySet()) {
            if (annotation.getKey().startsWith(PREFIX) && !PayloadQuarantine.KEYS.contains(annotation.getKey())) {
                if (request == null) {
                    request = new java.util.TreeMap<>();
                }
                request.put(annotation.getKey(), annotation.getValue());
            }
        }
        return request == null ? Map.of() : request;
    }
}
