package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RecordedReplicas;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.HyperShiftSimulator;
import dev.hcprollback.testing.RequestLog;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * A whole rollback of a 3-member etcd, driven step by step against the mock API server with the
 * HyperShift simulator playing the cluster. No Quarkus: the driver is what the JOSDK reconciler calls.
 */
@EnableKubernetesMockClient(crud = true)
class RollbackDriverTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    @Test
    void restoresEtcdAndRevertsThePayloadFromRequestToSucceeded() {
        RollbackWorld world = new RollbackWorld(client, server, "full", "payments").create();
        String cp = world.controlPlaneNamespace();
        RequestLog log = world.log;
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);

        ControlPlaneRollback done = world.runToEnd(world.driver(), rollback);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Succeeded, status.getPhase(), status.getMessage());
        assertEquals(List.of("Pause", "Stage", "Quiesce", "Swap", "StartEtcd", "Revert", "Resume", "Verify"),
                status.getSteps().stream().map(RollbackStep::getName).toList());
        status.getSteps().forEach(step -> {
            assertEquals(RollbackPhase.Succeeded, step.getPhase(), step.getName());
            assertNotNull(step.getStartTime(), step.getName());
            assertNotNull(step.getCompletionTime(), step.getName());
        });
        assertEquals("4.18.6", status.getPlan().getFromVersion());
        assertEquals(HostedClusters.tag("4.18.5"), status.getPlan().getToReleaseImage());
        assertEquals(Map.of("control-plane-operator", 1, "kube-apiserver", 3, "openshift-apiserver", 3,
                "openshift-oauth-apiserver", 2, "etcd", 3), status.getRecordedReplicas().stream()
                        .collect(Collectors.toMap(RecordedReplicas::getName, RecordedReplicas::getReplicas)));

        // the cluster: on the snapshot's payload, unpaused, every workload back at its replicas, request cleared
        HostedCluster cluster = world.cluster();
        assertEquals(HostedClusters.tag("4.18.5"), cluster.getSpec().getRelease().getImage());
        assertNull(cluster.getSpec().getPausedUntil());
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        assertEquals(3, world.etcdReplicas());
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackRequest.TO_VERSION));
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackRequest.REASON));
        assertEquals("Completed", cluster.versionHistory().get(0).getState());
        assertEquals("4.18.5", cluster.versionHistory().get(0).getVersion());

        // the preflight: every item passed, the restore image probed once
        assertTrue(status.getPlan().getPreflight().size() >= 8, status.getPlan().getPreflight().toString());
        status.getPlan().getPreflight().forEach(check -> assertTrue(check.passed(), check.toString()));
        assertNotNull(client.batch().v1().jobs().inNamespace(cp).withName(RollbackNames.probeJob(HyperShiftSimulator.ETCD_IMAGE)).get());
        assertNotNull(status.getDowntime());
        // each member's volume measured where it is mounted, read-only, in the sidecar's own image
        for (int member = 0; member < 3; member++) {
            Job measure = client.batch().v1().jobs().inNamespace(cp).withName(RollbackNames.measureJob(done, member)).get();
            var pod = measure.getSpec().getTemplate().getSpec();
            var container = pod.getContainers().get(0);
            assertEquals(RollbackSettings.DEFAULT_FETCH_IMAGE, container.getImage());
            assertEquals(List.of("java", "-cp", "/deployments/app/*:/deployments/lib/main/*",
                    "dev.hcprollback.rollback.restore.fetch.VolumeSpace", "$(DATA_DIR)", "$(WORK_DIR)", "/dev/termination-log"),
                    container.getCommand());
            assertEquals("FallbackToLogsOnError", container.getTerminationMessagePolicy());
            assertEquals("data-etcd-" + member, pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
            assertEquals("/var/lib", container.getVolumeMounts().get(0).getMountPath());
            assertTrue(container.getVolumeMounts().get(0).getReadOnly(), "the measure only reads the volume");
            assertEquals("etcd-" + member, pod.getAffinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                    .get(0).getLabelSelector().getMatchLabels().get("statefulset.kubernetes.io/pod-name"));
            assertEquals(measure.getMetadata().getName(), measure.getSpec().getTemplate().getMetadata().getLabels()
                    .get(RestoreJobs.JOB_LABEL));
            String item = "volumeCapacity/data-etcd-" + member;
            String measuredBy = "measured by Job " + measure.getMetadata().getName();
            assertTrue(status.getPlan().getPreflight().stream().anyMatch(c -> c.getName().equals(item)
                    && c.getDetail().endsWith(measuredBy)), status.getPlan().getPreflight().toString());
        }

        // a stage and a swap Job per member, each with the etcd image, its own volume and its script
        List<Job> jobs = client.batch().v1().jobs().inNamespace(cp).withLabel("app", RestoreJobs.APP_LABEL_VALUE).list().getItems();
        assertEquals(6, jobs.size());
        for (int member = 0; member < 3; member++) {
            Job swap = client.batch().v1().jobs().inNamespace(cp).withName(RollbackNames.swapJob(done, member)).get();
            assertEquals(List.of("/bin/sh", "-c", RestoreScript.SWAP), swap.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand());
            assertEquals("data-etcd-" + member, swap.getSpec().getTemplate().getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
            Job job = client.batch().v1().jobs().inNamespace(cp).withName(RollbackNames.stageJob(done, member)).get();
            assertNotNull(job, "Job of member " + member);
            var pod = job.getSpec().getTemplate().getSpec();
            assertEquals(HyperShiftSimulator.ETCD_IMAGE, pod.getContainers().get(0).getImage());
            assertEquals(List.of("/bin/sh", "-c", RestoreScript.STAGE), pod.getContainers().get(0).getCommand());
            // first the download and SHA-256 check in the sidecar's own image, on the same volume
            var fetch = pod.getInitContainers().get(0);
            assertEquals(RestoreJobs.FETCH_CONTAINER, fetch.getName());
            assertEquals(RollbackSettings.DEFAULT_FETCH_IMAGE, fetch.getImage());
            assertEquals(List.of("java", "-cp", "/deployments/app/*:/deployments/lib/main/*",
                    "dev.hcprollback.rollback.restore.fetch.FetchSnapshot", "$(SNAPSHOT_URL)", "$(SNAPSHOT_SHA256)",
                    "$(WORK_DIR)/snapshot.db", "$(SNAPSHOT_COMPRESSION)", "$(SNAPSHOT_BYTES)", "$(DATA_DIR)"),
                    fetch.getCommand());
            assertEquals("/var/lib", fetch.getVolumeMounts().get(0).getMountPath());
            assertEquals(pod.getContainers().get(0).getEnv(), fetch.getEnv());
            assertTrue(swap.getSpec().getTemplate().getSpec().getInitContainers().isEmpty(), "the swap downloads nothing");
            // staged while etcd serves: on the node of the member's pod, where its ReadWriteOnce volume is mounted
            assertEquals("etcd-" + member, pod.getAffinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                    .get(0).getLabelSelector().getMatchLabels().get("statefulset.kubernetes.io/pod-name"));
            assertEquals("data-etcd-" + member, pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
            assertEquals("/var/lib", pod.getContainers().get(0).getVolumeMounts().get(0).getMountPath());
            assertEquals(0, job.getSpec().getBackoffLimit());
            assertEquals("hypershift-etcd", pod.getPriorityClassName());
            Map<String, String> env = pod.getContainers().get(0).getEnv().stream()
                    .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
            assertEquals("etcd-" + member, env.get("MEMBER_NAME"));
            assertEquals("etcd-0=https://etcd-0.etcd-discovery." + cp + ".svc:2380,etcd-1=https://etcd-1.etcd-discovery."
                    + cp + ".svc:2380,etcd-2=https://etcd-2.etcd-discovery." + cp + ".svc:2380", env.get("INITIAL_CLUSTER"));
            assertEquals("https://etcd-" + member + ".etcd-discovery." + cp + ".svc:2380", env.get("PEER_URL"));
            assertEquals("etcd-cluster", env.get("CLUSTER_TOKEN"));
            assertEquals("1000000000", env.get("BUMP_REVISION"));
            assertEquals(RollbackWorld.SHA256, env.get("SNAPSHOT_SHA256"));
            assertEquals("48000000", env.get("SNAPSHOT_BYTES"), "the fetch container checks the volume for this much");
            assertTrue(env.get("SNAPSHOT_URL").startsWith("https://bucket.example.com/"), env.get("SNAPSHOT_URL"));
        }

        // each write happened once: pause, the payload patch, unpause, the probe, three measures and six Jobs; the payload
        // patch was tried as a dry run twice (preflight, and again right before the first swap)
        String hcPath = "/apis/hypershift.openshift.io/v1beta1/namespaces/full/hostedclusters/payments";
        assertEquals(1, log.count("PATCH", hcPath::equals, b -> b.contains("\"pausedUntil\":\"true\"")));
        assertEquals(1, log.count("PATCH", hcPath::equals, b -> b.contains("\"release\"")));
        assertEquals(1, log.count("PATCH", hcPath::equals, b -> b.contains("\"pausedUntil\":null")));
        assertEquals(10, log.count("POST", p -> p.startsWith("/apis/batch/v1/namespaces/" + cp + "/jobs"), b -> true));
        assertEquals(2, log.countDryRuns("PATCH", hcPath::equals));
        assertEquals(1.0, world.meters.get("hcp_rollback_rollbacks_total").tag("result", "Succeeded").counter().count());
        assertEquals(8, world.meters.find("hcp_rollback_step_duration_seconds").timers().size());
        // the payload it left is quarantined on the cluster, in the ending's one patch with the request's removal
        dev.hcprollback.api.PayloadQuarantine.Entry quarantined = dev.hcprollback.api.PayloadQuarantine.of(world.cluster())
                .entry().orElseThrow();
        assertEquals(rollback.getMetadata().getName(), quarantined.rollback());
        assertTrue(quarantined.describe().startsWith("4.18.6 ("), quarantined.describe());
        assertEquals(1, log.count("PATCH", hcPath::equals, b -> b.contains(dev.hcprollback.api.PayloadQuarantine.ANNOTATION)));
    }

    /**
     * The update changed etcd's version: the snapshot of 4.18.5 records etcd image X (etcd 3.5.14), the
     * cluster on 4.18.6 runs Y (3.5.16). The restore runs on X and etcd is started on X, while the
     * control-plane operator is stopped; the status records what the StatefulSet ran before.
     */
    @Test
    void anEtcdVersionChangedByTheUpdateGoesBackToo() {
        RollbackWorld world = new RollbackWorld(client, server, "etcd-version", "payments").create();
        String cp = world.controlPlaneNamespace();
        var snapshot = client.resources(dev.hcprollback.api.ControlPlaneSnapshot.class).inNamespace("etcd-version")
                .withName(world.snapshotName()).get();
        snapshot.getStatus().setEtcdImage(HyperShiftSimulator.OLDER_ETCD_IMAGE);
        snapshot.getStatus().setEtcdVersion("3.5.14");
        client.resource(snapshot).updateStatus();

        ControlPlaneRollback done = world.runToEnd(world.driver(),
                world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false));

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Succeeded, status.getPhase(), status.getMessage());
        assertEquals(HyperShiftSimulator.OLDER_ETCD_IMAGE, status.getPlan().getEtcdImage());
        assertEquals(HyperShiftSimulator.ETCD_IMAGE, status.getPlan().getFromEtcdImage());
        assertEquals(HyperShiftSimulator.OLDER_ETCD_IMAGE, status.getEtcdImage());
        assertEquals(HyperShiftSimulator.ETCD_IMAGE, status.getEtcdImageBefore());
        for (int member = 0; member < 3; member++) {
            for (String job : List.of(RollbackNames.stageJob(done, member), RollbackNames.swapJob(done, member))) {
                assertEquals(HyperShiftSimulator.OLDER_ETCD_IMAGE, client.batch().v1().jobs().inNamespace(cp).withName(job).get()
                        .getSpec().getTemplate().getSpec().getContainers().get(0).getImage(), job);
            }
        }
        // the probe asked about X, the image the restore runs
        assertNotNull(client.batch().v1().jobs().inNamespace(cp).withName(RollbackNames.probeJob(HyperShiftSimulator.OLDER_ETCD_IMAGE)).get());
        // etcd ran on Y before the rollback and on X after it
        assertEquals(List.of(HyperShiftSimulator.ETCD_IMAGE, HyperShiftSimulator.OLDER_ETCD_IMAGE), world.simulator.etcdImagesRun);
        assertTrue(status.step(Step.StartEtcd).get().getMessage().contains("(etcd 3.5.14)"),
                status.step(Step.StartEtcd).get().getMessage());
    }
}
