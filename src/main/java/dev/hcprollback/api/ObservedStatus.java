package dev.hcprollback.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import dev.hcprollback.hypershift.Timestamps;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/**
 * What every status of ours that a controller reconciles carries: the generation of the spec it last
 * acted on ({@code observedGeneration}), and its conditions in the shape of Kubernetes' {@code metav1.Condition}
 * (one per type: the CRD declares the list a map keyed by {@code type}), which {@code kubectl wait
 * --for=condition=<type>} follows. Each kind names its types in its {@code getConditions} description.
 */
public abstract class ObservedStatus {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    @JsonPropertyDescription("The metadata.generation of the spec the sidecar last acted on.")
    private Long observedGeneration;
    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions == null ? new ArrayList<>() : conditions;
    }

    /** The condition of this type, if set. */
    public Optional<Condition> condition(String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /** Whether the condition of this type is set and {@code True}. */
    public boolean isTrue(String type) {
        return condition(type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }

    /**
     * Sets the condition of {@code type} as {@code metav1.Condition} asks: one per type, in place;
     * {@code lastTransitionTime} (second precision) moves only when {@code status} changes.
     *
     * @param status {@link #TRUE}, {@link #FALSE} or {@link #UNKNOWN}
     * @param reason one CamelCase word ({@code ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$}, the CRD checks it)
     * @param message a sentence for people; null is written as empty
     * @param generation the object's {@code metadata.generation} this was judged on; may be null
     * @return whether anything changed, so that a caller can skip a write that would change nothing
     */
    public boolean setCondition(String type, String status, String reason, String message, Long generation, Instant now) {
        String text = message == null ? "" : message;
        Optional<Condition> existing = condition(type);
        if (existing.isPresent() && status.equals(existing.get().getStatus()) && reason.equals(existing.get().getReason())
                && text.equals(existing.get().getMessage())
                && Objects.equals(generation, existing.get().getObservedGeneration())) {
            return false;
        }
        String since = existing.filter(c -> status.equals(c.getStatus())).map(Condition::getLastTransitionTime)
                .orElse(Timestamps.format(now));
        Condition set = new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(text)
                .withLastTransitionTime(since).withObservedGeneration(generation).build();
        List<Condition> updated = new ArrayList<>(conditions);
        int at = updated.indexOf(existing.orElse(null));
        if (at < 0) {
            updated.add(set);
        } else {
            updated.set(at, set);
        }
        conditions = updated;
        return true;
    }
}
