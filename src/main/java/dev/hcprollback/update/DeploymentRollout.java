package dev.hcprollback.update;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import dev.hcprollback.hypershift.Timestamps;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;

/**
 * How a Deployment of the control plane stands, read the way the Deployment controller writes it
 * (Kubernetes' {@code pkg/controller/deployment/sync.go}, {@code syncRolloutStatus}): a rollout that is
 * {@code Progressing=True} (not yet {@code NewReplicaSetAvailable}) with no more replicas down than its
 * {@code maxUnavailable} is a rollout, not unavailability; {@code Progressing=False} with
 * {@code ProgressDeadlineExceeded} is stuck; any other shortfall is unavailability.
 */
final class DeploymentRollout {

    static final String DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";
    static final String COMPLETE = "NewReplicaSetAvailable";

    /** A Deployment short of replicas in a way that counts: how many, what it says, and since when if it says. */
    record Shortfall(int missing, String message, Optional<Instant> since) {
    }

    private DeploymentRollout() {
    }

    /** Empty when every wanted replica is available, or when a progressing rollout is within its maxUnavailable. */
    static Optional<Shortfall> shortfall(Deployment deployment) {
        int wanted = wanted(deployment);
        int available = deployment.getStatus() == null ? 0
                : Objects.requireNonNullElse(deployment.getStatus().getAvailableReplicas(), 0);
        if (wanted == 0 || available >= wanted) {
            return Optional.empty();
        }
        int missing = wanted - available;
        String counts = available + " of " + wanted + " replicas available";
        Optional<DeploymentCondition> progressing = condition(deployment, "Progressing");
        if (progressing.filter(c -> "False".equals(c.getStatus()) && DEADLINE_EXCEEDED.equals(c.getReason())).isPresent()) {
            return Optional.of(new Shortfall(missing, counts + "; rollout stuck (" + DEADLINE_EXCEEDED + ")",
                    progressing.flatMap(c -> Timestamps.parse(c.getLastTransitionTime()))));
        }
        int budget = maxUnavailable(deployment, wanted);
        boolean rolling = progressing.filter(c -> "True".equals(c.getStatus()) && !COMPLETE.equals(c.getReason())).isPresent();
        if (rolling && missing <= budget) {
            return Optional.empty();
        }
        Optional<Instant> unavailableSince = condition(deployment, "Available").filter(c -> "False".equals(c.getStatus()))
                .flatMap(c -> Timestamps.parse(c.getLastTransitionTime()));
        return Optional.of(new Shortfall(missing, rolling
                ? counts + "; more down than the rollout's maxUnavailable of " + budget
                : counts, unavailableSince));
    }

    /**
     * Whether the Deployment's current rollout completed before {@code start} and none began since: its
     * {@code Progressing} condition is {@code NewReplicaSetAvailable}, last updated before the start. The
     * controller leaves that condition alone when a pod of a complete rollout goes away, so a shortfall of such
     * a Deployment is not the rollout of a new payload.
     */
    static boolean rolledBefore(Deployment deployment, Instant start) {
        return condition(deployment, "Progressing").filter(c -> "True".equals(c.getStatus()) && COMPLETE.equals(c.getReason()))
                .flatMap(c -> Timestamps.parse(Optional.ofNullable(c.getLastUpdateTime()).orElse(c.getLastTransitionTime())))
                .map(updated -> updated.isBefore(start)).orElse(false);
    }

    /**
     * Whether the Deployment's rollout has been stuck since before {@code start}: {@code Progressing=False},
     * {@code ProgressDeadlineExceeded}, last transition before the start (a rollout of the update would have set
     * {@code Progressing=True} again).
     */
    static boolean stuckBefore(Deployment deployment, Instant start) {
        return condition(deployment, "Progressing").filter(c -> "False".equals(c.getStatus())
                && DEADLINE_EXCEEDED.equals(c.getReason())).flatMap(c -> Timestamps.parse(c.getLastTransitionTime()))
                .map(stuck -> stuck.isBefore(start)).orElse(false);
    }

    static int wanted(Deployment deployment) {
        return Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
    }

    /**
     * The rollout's maxUnavailable in replicas: a number, or a percentage of the wanted replicas rounded down
     * (Kubernetes' default 25%); 1 when both it and maxSurge come to 0, as the controller resolves it.
     */
    static int maxUnavailable(Deployment deployment, int wanted) {
        var strategy = deployment.getSpec().getStrategy();
        if (strategy != null && "Recreate".equals(strategy.getType())) {
            return wanted;
        }
        var rolling = strategy == null ? null : strategy.getRollingUpdate();
        int unavailable = resolve(rolling == null ? null : rolling.getMaxUnavailable(), wanted, false);
        int surge = resolve(rolling == null ? null : rolling.getMaxSurge(), wanted, true);
        return unavailable == 0 && surge == 0 ? 1 : unavailable;
    }

    private static int resolve(IntOrString value, int wanted, boolean roundUp) {
        if (value == null) {
            return roundUp ? (int) Math.ceil(wanted * 0.25) : (int) Math.floor(wanted * 0.25);
        }
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String text = value.getStrVal().trim();
        double percent = Double.parseDouble(text.endsWith("%") ? text.substring(0, text.length() - 1) : text);
        double replicas = wanted * percent / 100;
        return (int) (roundUp ? Math.ceil(replicas) : Math.floor(replicas));
    }

    private static Optional<DeploymentCondition> condition(Deployment deployment, String type) {
        return Optional.ofNullable(deployment.getStatus()).map(s -> s.getConditions())
                .flatMap(all -> all.stream().filter(c -> type.equals(c.getType())).findFirst());
    }
}
