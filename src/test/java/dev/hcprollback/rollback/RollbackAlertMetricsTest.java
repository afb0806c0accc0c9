package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.Gauge;

/**
 * The series the rollback alerts read (manifests/base/prometheusrule.yaml): the running step with its
 * start and timeout, and whether the cluster's newest rollback Failed; each appears with the event
 * and goes with the rollback or its record.
 */
@EnableKubernetesMockClient(crud = true)
class RollbackAlertMetricsTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    @Test
    void aRunningStepShowsItsStartAndTimeoutUntilItEndsAndAFailedRollbackStaysShownUntilItsRecordIsGone() {
        RollbackWorld world = new RollbackWorld(client, server, "m-stuck", "payments").create();
        world.simulator.honourPause = false;
        RollbackDriver driver = world.driver();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        assertNull(gauge(world, RollbackMetrics.FAILED, null), "no series before the record is seen");

        ControlPlaneRollback pausing = driveUntilStepRuns(world, driver, rollback, Step.Pause);
        RollbackStep pause = pausing.getStatus().step(Step.Pause).orElseThrow();
        assertEquals(Timestamps.parse(pause.getStartTime()).orElseThrow().getEpochSecond(),
                gauge(world, RollbackMetrics.STEP_STARTED, Step.Pause).value());
        assertEquals(world.settings.pauseTimeout().toSeconds(), gauge(world, RollbackMetrics.STEP_TIMEOUT, Step.Pause).value());
        assertEquals(0.0, gauge(world, RollbackMetrics.FAILED, null).value(), "running, not failed");

        ControlPlaneRollback ended = world.runToEnd(driver, rollback);
        assertEquals(RollbackPhase.Failed, ended.getStatus().getPhase(), ended.getStatus().getMessage());
        assertEquals("PauseTimeout", ended.getStatus().getFailureReason());
        assertNull(gauge(world, RollbackMetrics.STEP_STARTED, Step.Pause), "the step ended");
        assertNull(gauge(world, RollbackMetrics.STEP_TIMEOUT, Step.Pause), "the step ended");
        assertEquals(1.0, gauge(world, RollbackMetrics.FAILED, null).value());

        client.resource(ended).withTimeout(10, java.util.concurrent.TimeUnit.SECONDS).delete();
        assertEquals(Optional.empty(), driver.reconcile(ended));
        assertNull(gauge(world, RollbackMetrics.FAILED, null), "the cluster's only record is gone");
    }

    @Test
    void aLaterRollbackThatSucceedsClearsTheFailure() {
        RollbackWorld world = new RollbackWorld(client, server, "m-retry", "payments").create();
        world.simulator.honourPause = false;
        RollbackDriver driver = world.driver();
        world.runToEnd(driver, world.requestRollback("payments-to-4-18-5", RollbackStrategy.PayloadOnly, false));
        assertEquals(1.0, gauge(world, RollbackMetrics.FAILED, null).value());

        world.simulator.honourPause = true;
        // the same second as the first record: the name orders them, as it does for the driver
        ControlPlaneRollback retry = world.runToEnd(driver,
                world.requestRollback("payments-to-4-18-5-retry", RollbackStrategy.PayloadOnly, false));
        assertEquals(RollbackPhase.Succeeded, retry.getStatus().getPhase(), retry.getStatus().getMessage());
        assertEquals(0.0, gauge(world, RollbackMetrics.FAILED, null).value(), "the newest rollback succeeded");
    }

    /** The driver's loop, round by round, until {@code step} is recorded as running. */
    private static ControlPlaneRollback driveUntilStepRuns(RollbackWorld world, RollbackDriver driver,
            ControlPlaneRollback rollback, Step step) {
        for (int round = 0; round < 50; round++) {
            world.simulator.tick();
            Optional<Duration> again = driver.reconcile(rollback);
            ControlPlaneRollback seen = world.reload(rollback);
            if (seen.getStatus() != null && seen.getStatus().step(step).map(s -> s.getPhase() == RollbackPhase.Running)
                    .orElse(false)) {
                return seen;
            }
            world.clock.advance(again.orElseThrow(() -> new AssertionError("ended before " + step + ": "
                    + seen.getStatus().getMessage())));
        }
        throw new AssertionError(step + " never started");
    }

    private static Gauge gauge(RollbackWorld world, String name, Step step) {
        var search = world.meters.find(name).tag("namespace", world.namespace).tag("cluster", world.clusterName);
        return (step == null ? search : search.tag("step", step.name())).gauge();
    }
}
