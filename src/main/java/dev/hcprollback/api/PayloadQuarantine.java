package dev.hcprollback.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;

/**
 * The payload a rollback took a HostedCluster off, quarantined on that cluster so that a version controller that
 * only ever raises the desired version does not force it again: the one parser of its two annotations, which the
 * webhook (it refuses an update to the payload and guards the annotations) and the controllers (they set it, export
 * it) share.
 *
 * <ul>
 * <li>{@value #ANNOTATION}: written by the sidecar alone, when a rollback Succeeded, as
 * {@code {"image":"<pull spec>","digest":"sha256:...","version":"4.18.6","rollback":"<ControlPlaneRollback>","since":"<RFC 3339>"}}
 * ({@code digest} only when known);</li>
 * <li>{@value #LIFTED_BY}: the user name of the SRE who lifted it, set by that SRE (the webhook checks the value is
 * the requester's own name and that they hold the {@code rollback} verb); removed only by the sidecar, when it
 * records the next quarantine.</li>
 * </ul>
 * A quarantine holds until it is lifted or the cluster runs a newer version than the quarantined payload.
 */
public record PayloadQuarantine(Optional<Entry> entry, Optional<String> liftedBy, Optional<String> unreadable) {

    public static final String ANNOTATION = RollbackRequest.PREFIX + "quarantined-payload";
    public static final String LIFTED_BY = RollbackRequest.PREFIX + "quarantine-lifted-by";
    /** The keys of the quarantine, which the webhook judges apart from the rollback request's. */
    public static final List<String> KEYS = List.of(ANNOTATION, LIFTED_BY);

    public static final PayloadQuarantine NONE = new PayloadQuarantine(Optional.empty(), Optional.empty(), Optional.empty());

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The payload quarantined, by the rollback {@code rollback} that took the cluster off it at {@code since}. */
    public record Entry(PayloadIdentity payload, String rollback, String since) {

        /** {@code 4.18.6 (quay.io/...@sha256:...)}. */
        public String describe() {
            return payload.version().map(v -> v + " (" + payload.image().pullSpec() + ")").orElse(payload.image().pullSpec());
        }

        /** The annotation's value. */
        public String toAnnotation() {
            Map<String, String> value = new LinkedHashMap<>();
            value.put("image", payload.image().pullSpec());
            payload.digest().ifPresent(d -> value.put("digest", d));
            payload.version().ifPresent(v -> value.put("version", v.toString()));
            value.put("rollback", rollback);
            value.put("since", since);
            try {
                return JSON.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static PayloadQuarantine of(HostedCluster cluster) {
        if (cluster == null || cluster.getMetadata() == null || cluster.getMetadata().getAnnotations() == null) {
            return NONE;
        }
        return of(cluster.getMetadata().getAnnotations());
    }

    /** Reads the annotations; a value that is not what the sidecar writes is {@link #unreadable}, with why. */
    public static PayloadQuarantine of(Map<String, String> annotations) {
        Optional<String> liftedBy = Optional.ofNullable(annotations.get(LIFTED_BY));
        String value = annotations.get(ANNOTATION);
        if (value == null) {
            return new PayloadQuarantine(Optional.empty(), liftedBy, Optional.empty());
        }
        try {
            JsonNode node = JSON.readTree(value);
            Optional<PayloadImage> image = PayloadImage.of(node.path("image").asText(""));
            String rollback = node.path("rollback").asText("");
            if (image.isEmpty() || rollback.isEmpty()) {
                return unreadable(liftedBy, "it names no image or no rollback");
            }
            Optional<String> digest = Optional.of(node.path("digest").asText("")).filter(d -> !d.isEmpty())
                    .or(() -> image.get().digest());
            Optional<ReleaseVersion> version = node.hasNonNull("version")
                    ? ReleaseVersion.parse(node.get("version").asText())
                    : Optional.empty();
            if (node.hasNonNull("version") && version.isEmpty()) {
                return unreadable(liftedBy, "its version '" + node.get("version").asText() + "' is not a release version");
            }
            return new PayloadQuarantine(Optional.of(new Entry(new PayloadIdentity(image.get(), digest, version), rollback,
                    node.path("since").asText(""))), liftedBy, Optional.empty());
        } catch (JsonProcessingException e) {
            return unreadable(liftedBy, "it is not the JSON object the sidecar writes");
        }
    }

    private static PayloadQuarantine unreadable(Optional<String> liftedBy, String why) {
        return new PayloadQuarantine(Optional.empty(), liftedBy, Optional.of(ANNOTATION + " cannot be read: " + why));
    }

    /**
     * The quarantine that holds now on a cluster running {@code current}: present, not lifted, and the cluster not on
     * a newer version than the quarantined payload (a newer payload was chosen). An unreadable annotation holds too:
     * it is reported, never read as no quarantine.
     */
    public boolean holdsAt(Optional<ReleaseVersion> current) {
        if (liftedBy.isPresent()) {
            return false;
        }
        if (unreadable.isPresent()) {
            return true;
        }
        return entry.isPresent() && !(current.isPresent() && entry.get().payload().version().isPresent()
                && current.get().isNewerThan(entry.get().payload().version().get()));
    }

    /** Whether {@code payload} is the quarantined payload (by {@link PayloadIdentity}: digest, else version). */
    public boolean quarantines(PayloadIdentity payload) {
        return entry.map(e -> e.payload().isSamePayloadAs(payload)).orElse(false);
    }

    /** Whether either quarantine annotation is added, changed or removed. */
    public static boolean annotationsChanged(HostedCluster before, HostedCluster after) {
        return KEYS.stream().anyMatch(key -> !Objects.equals(annotation(before, key), annotation(after, key)));
    }

    /** The value of {@code key} on {@code cluster}, empty when absent. */
    public static Optional<String> annotation(HostedCluster cluster, String key) {
        if (cluster == null || cluster.getMetadata() == null || cluster.getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(cluster.getMetadata().getAnnotations().get(key));
    }
}
