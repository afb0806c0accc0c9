package dev.hcprollback.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.function.Supplier;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ManagedEtcd;
import dev.hcprollback.rollback.RollbackDriver;
import dev.hcprollback.rollback.RollbackMetrics;
import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.rollback.etcd.EtcdMembersReader;
import dev.hcprollback.rollback.etcd.EtcdRevisionReader;
import dev.hcprollback.rollback.restore.RestoreSource;
import dev.hcprollback.rollback.steps.Checkpoints;
import dev.hcprollback.rollback.steps.RollbackSettings;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.dsl.MockServerExpectation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One hosted cluster on 4.18.6 after 4.18.5, its verified pre-upgrade snapshot of 4.18.5, its control
 * plane (writers and a 3-member etcd) and a simulator, in the mock API server; plus the means to drive
 * a ControlPlaneRollback of it step by step with a hand-moved clock.
 */
public class RollbackWorld {

    public static final Map<String, Integer> WRITERS = writers();
    public static final String SHA256 = "5".repeat(64);

    public final KubernetesClient client;
    /** False: {@link #create()} records no snapshot. */
    public boolean withSnapshot = true;
    /** Annotations the HostedCluster is created with (e.g. a rollback request). */
    public final Map<String, String> clusterAnnotations = new LinkedHashMap<>();
    /** The client the driver uses: when set, its writes are what {@link #log} counts. */
    public KubernetesClient driverClient;
    public final RequestLog log = new RequestLog();
    public final String namespace;
    public final String clusterName;
    // whole seconds, as the API server stores times: rounds until a timeout do not depend on when the test runs
    public final MutableClock clock = new MutableClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    public final HyperShiftSimulator simulator;
    /** A real API server runs admission on dry runs itself; the mock server needs them answered ({@link #expectations}). */
    private final boolean apiServerAdmits;
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    public RollbackSettings settings = RollbackSettings.defaults();
    /** The rollback floors the driver's plan reads; none by default. */
    public dev.hcprollback.eligibility.RollbackFloors floors = dev.hcprollback.eligibility.RollbackFloors.none("ConfigMap hcp-rollback/hcp-rollback-rollback-floors");
    /**
     * Pre-signed URLs of a bucket: the snapshot's {@code https://bucket.example.com/<snapshot>?...}, an etcd shard's of
     * the set {@code https://bucket.example.com/<snapshot>/<shard>?...} with that member's SHA-256.
     */
    public RestoreSource restoreSource = new RestoreSource() {
        @Override
        public Download downloadOf(ControlPlaneSnapshot snapshot, Duration ttl) {
            return new RestoreSource.Download("https://bucket.example.com/" + snapshot.getMetadata().getName()
                    + "?X-Amz-Expires=" + ttl.toSeconds(), snapshot.getStatus().getSha256());
        }

        @Override
        public Download downloadOf(ControlPlaneSnapshot snapshot, SnapshotShard shard, Duration ttl) {
            return new RestoreSource.Download("https://bucket.example.com/" + snapshot.getMetadata().getName() + "/"
                    + shard.getName() + "?X-Amz-Expires=" + ttl.toSeconds(), shard.getSha256());
        }
    };
    /**
     * etcd shards the cluster is created with ({@link HostedClusters#shard}); the snapshot set holds each on
     * PersistentVolumes but those named in {@link #shardsLeftOutOfTheSet}.
     */
    public final List<ObjectNode> etcdShards = new ArrayList<>();
    /** Shards on PersistentVolumes that the recorded snapshot set lacks (a set taken before the shard was snapshotted). */
    public final Set<String> shardsLeftOutOfTheSet = new HashSet<>();
    public EtcdRevisionReader etcd = (ns, revision) -> {
        DataLossWindow window = new DataLossWindow();
        window.setSnapshotRevision(revision);
        window.setCurrentRevision(revision + 42);
        window.setKeysChanged(42L);
        return window;
    };
    /** etcd's members as the simulator plays them. */
    public EtcdMembersReader etcdMembers;
    /**
     * The admission chain of the revert patch's server-side dry run, which the mock API server does not
     * have (it would store a dry-run patch like any other): null admits, a text refuses with it (403).
     */
    public volatile String refuseRevert;
    /** Where the dry-run answers are registered: the mock server's expectations (set by the constructor or the test). */
    public Supplier<MockServerExpectation> expectations;
    public RollbackEvents events = new RollbackEvents() {
        @Override
        public void normal(HostedCluster cluster, HasMetadata record, String reason, String message) {
        }

        @Override
        public void warning(HostedCluster cluster, HasMetadata record, String reason, String message) {
        }
    };

    public RollbackWorld(KubernetesClient client, String namespace, String clusterName) {
        this(client, null, namespace, clusterName);
    }

    /** With a mock server: the driver gets its own client, whose requests {@link #log} records. */
    public RollbackWorld(KubernetesClient client, io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server,
            String namespace, String clusterName) {
        this(client, server == null ? client : null, namespace, clusterName, null, false);
        this.driverClient = server == null ? client : log.recordingClient(server);
        this.expectations = server == null ? null : server::expect;
    }

    private RollbackWorld(KubernetesClient client, KubernetesClient driverClient, String namespace, String clusterName,
            Clock simulatorClock, boolean apiServerAdmits) {
        this.client = client;
        this.driverClient = driverClient;
        this.namespace = namespace;
        this.clusterName = clusterName;
        this.simulator = new HyperShiftSimulator(client, namespace, simulatorClock == null ? clock : simulatorClock);
        this.etcdMembers = new EtcdMembersReader() {
            @Override
            public EtcdMembers read(String controlPlaneNamespace) {
                return simulator.etcdMembers(controlPlaneNamespace);
            }

            @Override
            public EtcdMembers read(String controlPlaneNamespace, EtcdCluster etcd) {
                return simulator.etcdMembers(controlPlaneNamespace, etcd);
            }
        };
        this.apiServerAdmits = apiServerAdmits;
    }

    /**
     * The same world on a real API server, for a sidecar that runs by itself: HyperShift's simulator and the
     * fixture's writes act through {@code hyperShift} (a client of {@link TestUser#HYPERSHIFT_OPERATOR}), the
     * simulator in real time, and the API server's own admission chain answers the revert's dry runs. Create the
     * namespace first ({@link RealManagementCluster#createNamespace}); no driver runs in this process.
     */
    public static RollbackWorld onRealApiServer(KubernetesClient hyperShift, String namespace, String clusterName) {
        return new RollbackWorld(hyperShift, null, namespace, clusterName, Clock.systemUTC(), true);
    }

    /**
     * With a mock server, beside a rollback controller that runs by itself on the system's clock (a
     * {@code @QuarkusTest}): the simulator writes the system's times as well, as HyperShift beside it would, so that
     * the times the two write compare as they would on a management cluster.
     */
    public static RollbackWorld besideController(KubernetesClient client, String namespace, String clusterName) {
        return new RollbackWorld(client, client, namespace, clusterName, Clock.systemUTC(), false);
    }

    /**
     * The same world on a real API server with the driver in this process: it writes through {@code driver} (a client
     * of the sidecar's service account, so that the shipped RBAC answers each of its requests) and reads the world's
     * hand-moved {@link #clock}, which the simulator shares, so that a test can move time past a limit without
     * waiting for it; the API server's own admission chain answers the revert's dry runs.
     */
    public static RollbackWorld withDriverOnRealApiServer(KubernetesClient hyperShift, KubernetesClient driver,
            String namespace, String clusterName) {
        return new RollbackWorld(hyperShift, driver, namespace, clusterName, null, true);
    }

    private static Map<String, Integer> writers() {
        Map<String, Integer> writers = new LinkedHashMap<>();
        writers.put("control-plane-operator", 1);
        writers.put("kube-apiserver", 3);
        writers.put("openshift-apiserver", 3);
        writers.put("openshift-oauth-apiserver", 2);
        return writers;
    }

    /** The cluster, its snapshot of 4.18.5 and its control plane. */
    public RollbackWorld create() {
        if (client.namespaces().withName(namespace).get() == null) {
            client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(namespace).endMetadata().build()).create();
        }
        HostedClusters fixture = HostedClusters.onSixAfterFive(clusterName);
        if (!etcdShards.isEmpty()) {
            fixture.withEtcdShards(etcdShards.toArray(ObjectNode[]::new));
        }
        ((com.fasterxml.jackson.databind.node.ObjectNode) fixture.json().get("metadata")).put("namespace", namespace)
                .remove(java.util.List.of("resourceVersion", "uid", "creationTimestamp", "generation"));
        // the control plane before the HostedCluster, so that a trigger watching it finds everything in place
        simulator.createControlPlane(fixture.model(), WRITERS, 3);
        if (!apiServerAdmits) {
            answerRevertDryRuns();
        }
        HostedCluster created = client.resource(fixture.model()).create();
        created.setStatus(fixture.model().getStatus());
        created = simulator.reportStatus(created);
        // the snapshot records the uid the API server gave the cluster, and exists before the request does:
        // the webhook admits a rollback request only once a snapshot backs it
        if (withSnapshot) {
            recordSnapshot(created.getMetadata().getUid());
        }
        if (!clusterAnnotations.isEmpty()) {
            com.fasterxml.jackson.databind.node.ObjectNode patch = HostedClusters.JSON.createObjectNode();
            com.fasterxml.jackson.databind.node.ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
            clusterAnnotations.forEach(annotations::put);
            client.resources(HostedCluster.class).inNamespace(namespace).withName(clusterName)
                    .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch.toString());
        }
        simulator.tick();
        return this;
    }

    /**
     * The mock API server stores any PATCH, a dry run included: the HostedCluster's dry-run patches are
     * answered here instead, as admission would answer them ({@link #refuseRevert}), and change nothing.
     */
    private void answerRevertDryRuns() {
        if (expectations == null) {
            throw new IllegalStateException("a RollbackWorld needs the mock server's expectations to answer dry runs");
        }
        String path = "/apis/hypershift.openshift.io/v1beta1/namespaces/" + namespace + "/hostedclusters/" + clusterName
                + "?dryRun=All";
        expectations.get().patch().withPath(path).andReply(new ComputedReply(request -> {
            if (refuseRevert == null) {
                // what the API server would have stored, which the rollback does not read: the name is enough
                HostedCluster admitted = new HostedCluster();
                admitted.setMetadata(new ObjectMetaBuilder().withName(clusterName).withNamespace(namespace).build());
                return new ComputedReply.Reply(200, admitted);
            }
            return new ComputedReply.Reply(403, new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
                    .withMessage("admission webhook \"hostedclusters.hcp-rollback.dev\" denied the request: " + refuseRevert)
                    .build());
        })).always();
    }

    /** The verified snapshot of 4.18.5, taken three hours ago, before the update to 4.18.6. */
    public void recordSnapshot() {
        recordSnapshot(cluster().getMetadata().getUid());
    }

    public void recordSnapshot(String clusterUid) {
        ControlPlaneSnapshot snapshot = ManagementCluster.verifiedSnapshot(snapshotName(), clusterName, "4.18.5",
                HostedClusters.tag("4.18.5"), null, clock.instant().minus(Duration.ofHours(3)));
        snapshot.getStatus().setHostedClusterUid(clusterUid);
        snapshot.getMetadata().setNamespace(namespace);
        snapshot.getStatus().setSha256(SHA256);
        // where the snapshot controller would have stored it: a running sidecar pre-signs its download URL from this
        snapshot.getStatus().setObjectKey(namespace + "/" + clusterName + "/4.18.5/snap.db");
        // the set's member of each PersistentVolume shard, verified, at the shard's own revision
        List<SnapshotShard> set = new ArrayList<>();
        for (ManagedEtcd.Shard shard : cluster().etcdShards()) {
            if (shard.persistent() && !shardsLeftOutOfTheSet.contains(shard.name)) {
                SnapshotShard member = new SnapshotShard(shard.name, snapshot.getStatus().getObjectKey() + ".shard-" + shard.name,
                        null, shardSha256(shard.name), 4L << 20, simulator.shardSnapshotRevision, true);
                member.setEtcdSizeBytes(4L << 20);
                set.add(member);
            }
        }
        snapshot.getStatus().setShards(set.isEmpty() ? null : set);
        new ManagementCluster(client, null).record(snapshot);
    }

    /** The SHA-256 the set records for shard {@code name}'s object (a stand-in: the hash of the name). */
    public static String shardSha256(String name) {
        return RollbackNames.hash(name, 64);
    }

    public String snapshotName() {
        return clusterName + "-4.18.5-preupgrade";
    }

    public ControlPlaneRollback requestRollback(String name, RollbackStrategy strategy, boolean dryRun) {
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName(clusterName);
        spec.setToVersion("4.18.5");
        spec.setSnapshotName(snapshotName());
        spec.setReason("INC-4711: kube-apiserver crash loop on 4.18.6");
        spec.setStrategy(strategy);
        spec.setDryRun(dryRun);
        rollback.setSpec(spec);
        return client.resource(rollback).create();
    }

    public RollbackDriver driver(Checkpoints checkpoints) {
        return new RollbackDriver(driverClient, settings, clock, restoreSource, etcd, etcdMembers, events,
                new RollbackMetrics(meters), checkpoints, () -> floors);
    }

    public RollbackDriver driver() {
        return driver(Checkpoints.NONE);
    }

    /**
     * The controller loop, played by hand: the simulator runs a round, the driver is called, the clock
     * moves by the delay the driver asked for. Ends when the driver asks for no further look.
     */
    public ControlPlaneRollback runToEnd(RollbackDriver driver, ControlPlaneRollback rollback) {
        for (int round = 0; round < 500; round++) {
            simulator.tick();
            Optional<Duration> again = driver.reconcile(rollback);
            if (again.isEmpty()) {
                return reload(rollback);
            }
            clock.advance(again.get());
        }
        throw new AssertionError("the rollback did not finish in 500 rounds: " + reload(rollback).getStatus().getMessage());
    }

    /** The driver's loop, round by round, until {@code step} is recorded as running. */
    public ControlPlaneRollback driveUntilStepRuns(RollbackDriver driver, ControlPlaneRollback rollback,
            dev.hcprollback.api.Step step) {
        for (int round = 0; round < 50; round++) {
            simulator.tick();
            Optional<Duration> again = driver.reconcile(rollback);
            ControlPlaneRollback seen = reload(rollback);
            if (seen.getStatus() != null && seen.getStatus().step(step).map(s -> s.getPhase() == RollbackPhase.Running)
                    .orElse(false)) {
                return seen;
            }
            clock.advance(again.orElseThrow(() -> new AssertionError("ended before " + step + ": "
                    + seen.getStatus().getMessage())));
        }
        throw new AssertionError(step + " never started");
    }

    /** Sets (a null value: removes) annotations of the HostedCluster, as a user's merge patch would. */
    public void annotateCluster(String key, String value) {
        com.fasterxml.jackson.databind.node.ObjectNode patch = HostedClusters.JSON.createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        if (value == null) {
            annotations.putNull(key);
        } else {
            annotations.put(key, value);
        }
        client.resources(HostedCluster.class).inNamespace(namespace).withName(clusterName)
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch.toString());
    }

    /**
     * HyperShift on a thread of its own, for a controller that runs by itself: a simulator round every
     * {@code pauseMillis}, until the thread is interrupted. Not started.
     */
    public Thread simulatorThread(long pauseMillis) {
        return simulatorLoop(pauseMillis).thread();
    }

    /** HyperShift's rounds every {@code pauseMillis} until closed; not started. A failed round is told and done again. */
    public SimulatorLoop simulatorLoop(long pauseMillis) {
        return new SimulatorLoop("hypershift-simulator", Duration.ofMillis(pauseMillis), simulator::tick,
                failed -> System.err.println("hypershift-simulator: a round failed, the next reads everything again: " + failed));
    }

    public ControlPlaneRollback reload(ControlPlaneRollback rollback) {
        return client.resources(ControlPlaneRollback.class).inNamespace(namespace)
                .withName(rollback.getMetadata().getName()).get();
    }

    public HostedCluster cluster() {
        return client.resources(HostedCluster.class).inNamespace(namespace).withName(clusterName).get();
    }

    public String controlPlaneNamespace() {
        return cluster().controlPlaneNamespace();
    }

    public int replicasOf(String deployment) {
        Deployment d = client.apps().deployments().inNamespace(controlPlaneNamespace()).withName(deployment).get();
        return d.getSpec().getReplicas();
    }

    public int etcdReplicas() {
        StatefulSet set = client.apps().statefulSets().inNamespace(controlPlaneNamespace()).withName("etcd").get();
        return set.getSpec().getReplicas();
    }

    public static RollbackPhase phase(ControlPlaneRollback rollback) {
        return Optional.ofNullable(rollback.getStatus()).map(ControlPlaneRollbackStatus::getPhase).orElse(null);
    }

    public Clock clock() {
        return clock;
    }
}
