package dev.hcprollback.rollback.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.net.EnvironmentProxy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/** A stage Job's download reaches the object store as the sidecar does: through the same proxy, or directly. */
class RestoreJobsProxyTest {

    private static final Map<String, String> CLUSTER_PROXY = Map.of(
            "HTTPS_PROXY", "http://proxy.corp.example:3128",
            "HTTP_PROXY", "http://proxy.corp.example:3128",
            "NO_PROXY", ".cluster.local,.svc,10.128.0.0/14,172.30.0.0/16");

    @Test
    void theFetchContainerGetsTheSidecarsProxyVariables() {
        Job job = stage(EnvironmentProxy.of(CLUSTER_PROXY));
        Map<String, String> fetch = env(job.getSpec().getTemplate().getSpec().getInitContainers().get(0));
        assertEquals(RestoreJobs.FETCH_CONTAINER, job.getSpec().getTemplate().getSpec().getInitContainers().get(0).getName());
        CLUSTER_PROXY.forEach((name, value) -> assertEquals(value, fetch.get(name), name + " in the fetch container"));
        assertTrue(fetch.containsKey("SNAPSHOT_URL"), "and the stage's own variables: " + fetch.keySet());
        Map<String, String> restore = env(job.getSpec().getTemplate().getSpec().getContainers().get(0));
        assertTrue(restore.keySet().stream().noneMatch(EnvironmentProxy.VARIABLES::contains),
                "the restore container, in etcd's image, makes no HTTP request: " + restore.keySet());
    }

    @Test
    void withoutAProxyTheFetchContainerHasNoProxyVariable() {
        Map<String, String> fetch = env(stage(EnvironmentProxy.of(Map.of())).getSpec().getTemplate().getSpec()
                .getInitContainers().get(0));
        assertTrue(fetch.keySet().stream().noneMatch(EnvironmentProxy.VARIABLES::contains), fetch.keySet().toString());
    }

    private static Job stage(EnvironmentProxy proxy) {
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName("payments-4-18-5").withNamespace("clusters").withUid("4c9e").build());
        Map<String, String> environment = RestoreScript.environment("clusters-payments", 3, 0,
                "https://bucket.s3.amazonaws.com/snap?X-Amz-Signature=s", "a".repeat(64), 1_000_000);
        return RestoreJobs.build(rollback, "clusters-payments", 0, RestoreJobs.Phase.stage, "quay.io/etcd@sha256:" + "1".repeat(64),
                "quay.io/hcp-rollback/hcp-rollback@sha256:" + "2".repeat(64), environment, null, true, 600, proxy);
    }

    private static Map<String, String> env(Container container) {
        Map<String, String> env = new TreeMap<>();
        for (EnvVar variable : container.getEnv()) {
            env.put(variable.getName(), variable.getValue());
        }
        return env;
    }
}
