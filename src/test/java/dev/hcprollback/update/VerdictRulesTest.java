package dev.hcprollback.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateSpec;
import dev.hcprollback.api.SignalChanges;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.hypershift.Timestamps;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

/** The rules behind the verdict, each on its own: a rollout's budget, flapping, mixed evidence. */
class VerdictRulesTest {

    private static final Instant T = Instant.parse("2026-12-01T04:00:00Z");

    private static Deployment deployment(int replicas, int available, String progressing, String reason,
            IntOrString maxUnavailable, IntOrString maxSurge) {
        return new DeploymentBuilder().withNewMetadata().withName("kube-apiserver").endMetadata().withNewSpec()
                .withReplicas(replicas).withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(maxUnavailable).withMaxSurge(maxSurge).endRollingUpdate().endStrategy().endSpec()
                .withNewStatus().withAvailableReplicas(available).addNewCondition().withType("Progressing")
                .withStatus(progressing).withReason(reason).withLastTransitionTime(Timestamps.format(T))
                .withLastUpdateTime(Timestamps.format(T)).endCondition().endStatus().build();
    }

    @Test
    void aProgressingRolloutWithinMaxUnavailableIsNotShortButAStuckOneOrOneBeyondItIs() {
        IntOrString one = new IntOrString(1);
        IntOrString zero = new IntOrString(0);
        assertEquals(Optional.empty(), DeploymentRollout.shortfall(deployment(3, 2, "True", "ReplicaSetUpdated", one, zero)),
                "HyperShift's rollout, 2 of 3");
        assertEquals(2, DeploymentRollout.shortfall(deployment(3, 1, "True", "ReplicaSetUpdated", one, zero)).get().missing(),
                "two down where one may be");
        assertTrue(DeploymentRollout.shortfall(deployment(3, 2, "False", "ProgressDeadlineExceeded", one, zero)).get()
                .message().contains("stuck"));
        assertEquals(1, DeploymentRollout.shortfall(deployment(3, 2, "True", "NewReplicaSetAvailable", one, zero)).get()
                .missing(), "a finished rollout short of a replica is unavailability");
    }

    @Test
    void maxUnavailableResolvesAsTheDeploymentControllerDoes() {
        assertEquals(0, DeploymentRollout.maxUnavailable(deployment(3, 3, "True", "x", new IntOrString("25%"),
                new IntOrString("25%")), 3), "25% of 3 rounds down");
        assertEquals(1, DeploymentRollout.maxUnavailable(deployment(3, 3, "True", "x", new IntOrString("25%"),
                new IntOrString(0)), 3), "both 0: the controller lets one go");
        assertEquals(2, DeploymentRollout.maxUnavailable(deployment(8, 8, "True", "x", null, null), 8), "default 25%");
    }

    @Test
    void aSignalThatTurnsMoreThanThreeTimesInFifteenMinutesFlaps() {
        RedSignal degraded = new RedSignal("Degraded", null, T, Duration.ofMinutes(30), "Degraded=True");
        List<SignalChanges> memory = Flapping.remember(List.of(), List.of(degraded), true, T, Duration.ofMinutes(15));
        assertEquals(0, Flapping.changes(memory, degraded), "red at the first look is where it starts");
        memory = Flapping.remember(memory, List.of(), false, T.plusSeconds(120), Duration.ofMinutes(15));
        RedSignal again = new RedSignal("Degraded", null, T.plusSeconds(300), Duration.ofMinutes(30), "Degraded=True");
        memory = Flapping.remember(memory, List.of(again), false, T.plusSeconds(300), Duration.ofMinutes(15));
        assertEquals(List.of(), Flapping.flapping(memory, 3), "two changes");
        // red again with a later since: it went green and red between two looks
        RedSignal third = new RedSignal("Degraded", null, T.plusSeconds(400), Duration.ofMinutes(30), "Degraded=True");
        memory = Flapping.remember(memory, List.of(third), false, T.plusSeconds(420), Duration.ofMinutes(15));
        assertEquals(4, Flapping.changes(memory, third));
        assertEquals(1, Flapping.flapping(memory, 3).size());
        memory = Flapping.remember(memory, List.of(third), false, T.plusSeconds(420 + 16 * 60), Duration.ofMinutes(15));
        assertEquals(0, Flapping.changes(memory, third), "changes older than the window are forgotten");
    }

    @Test
    void onlyControlPlaneObjectsRedWhileTheHostedClusterReportsNothingWrongIsInconclusive() {
        ControlPlaneUpdate record = new ControlPlaneUpdate();
        ControlPlaneUpdateSpec spec = new ControlPlaneUpdateSpec();
        spec.setToVersion("4.18.7");
        record.setSpec(spec);
        RedSignal pod = new RedSignal("PodRestarting", "Pod kube-apiserver-1", T, Duration.ofMinutes(10), "restarted 6 times");
        Instant now = T.plus(Duration.ofMinutes(11));
        HealthJudge.Judgement alone = HealthJudge.judge(record, List.of(pod), List.of(), Optional.empty(), Duration.ofHours(1),
                now);
        assertEquals(UpdateHealth.Inconclusive, alone.health(), alone.message());
        assertEquals(List.of(), alone.grounds(), "nothing an automatic rollback may act on");
        RedSignal degraded = new RedSignal("Degraded", null, now, Duration.ofMinutes(30), "Degraded=True");
        HealthJudge.Judgement agreed = HealthJudge.judge(record, List.of(pod, degraded), List.of(), Optional.empty(),
                Duration.ofHours(1), now);
        assertEquals(UpdateHealth.Unhealthy, agreed.health(), agreed.message());
        assertEquals(List.of(pod), agreed.grounds());
        assertTrue(HealthJudge.grounds(agreed.grounds()).startsWith("PodRestarting Pod kube-apiserver-1 red since "
                + Timestamps.format(T) + " (threshold 10m)"), HealthJudge.grounds(agreed.grounds()));
        HealthJudge.Judgement before = HealthJudge.judge(record, List.of(pod.preExisting("before the start")),
                List.of(), Optional.empty(), Duration.ofHours(1), now);
        assertEquals(UpdateHealth.Soaking, before.health(), "a pre-existing signal never counts: " + before.message());
    }
}
