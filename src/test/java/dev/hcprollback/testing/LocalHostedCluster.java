package dev.hcprollback.testing;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.ReleaseVersion;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * One hosted cluster whose control plane's etcd is a real etcd on this machine: what the demo plays and the
 * real-API-server rollback test checks. {@link #seed} puts in place what a management cluster has: the HostedCluster
 * on 4.18.5 (after 4.18.4) and its NodePool, created by the service ({@code service}'s client), and HyperShift's part,
 * written through its own client: the control plane (the writers of etcd and a one-member etcd StatefulSet), the etcd
 * client credentials and the cluster's status. {@link #round()} is one round of HyperShift and of the kubelet of the
 * etcd member: the simulator's controllers, a control plane that reports {@code Degraded} while it runs the
 * {@link #brokenVersion}, the local etcd process stopped and started as its StatefulSet is scaled, and each restore
 * Job run for real on that etcd's data directory ({@link LocalRestoreJob}). Nothing else runs pods: the other
 * workloads' pods are the simulator's.
 */
public final class LocalHostedCluster {

    /** The writers of etcd and their replicas. */
    public static final Map<String, Integer> WRITERS = Map.of("kube-apiserver", 2, "openshift-apiserver", 2,
            "openshift-oauth-apiserver", 2, "control-plane-operator", 1);
    private static final Duration ROUND_PAUSE = Duration.ofMillis(200);

    /** Who is told what the actors did: the demo's timeline, a test's log. */
    public interface Narrator {
        void say(String actor, String what);
    }

    /** HyperShift's controllers, acting through HyperShift's client. */
    public final HyperShiftSimulator hyperShift;
    public final String namespace;
    public final String name;
    /** Set to a version that turns out broken: while the control plane runs it, HyperShift reports Degraded=True. */
    public volatile String brokenVersion;

    private final KubernetesClient service;
    private final KubernetesClient hyperShiftClient;
    private final EtcdProcess etcd;
    private final Path workDir;
    private final Narrator narrator;
    private volatile HostedCluster lastSeen;
    private volatile SimulatorLoop loop;

    private LocalHostedCluster(KubernetesClient service, KubernetesClient hyperShiftClient, String namespace, String name,
            EtcdProcess etcd, Path workDir, Narrator narrator) {
        this.service = service;
        this.hyperShiftClient = hyperShiftClient;
        this.namespace = namespace;
        this.name = name;
        this.etcd = etcd;
        this.workDir = workDir;
        this.narrator = narrator;
        this.hyperShift = new HyperShiftSimulator(hyperShiftClient, namespace, Clock.systemUTC());
        this.hyperShift.jobRunner = this::runRestoreJob;
        // the preflight's measure of a member's volume, for real on the local etcd's data directory and the restore's work dir
        this.hyperShift.volumeReportOf = (set, member) -> LocalRestoreJob.measure(etcdOf(set).dataDir(),
                workDirOf(set).resolve("restore-work"));
    }

    /**
     * Plays etcd shard {@code statefulSet} ({@code etcd-<name>}, one member) with {@code process}, whose member name is
     * the shard's ({@code etcd-<name>-0}): its kubelet stops and starts it as the StatefulSet is scaled, an EmptyDir
     * shard's data deleted with its pod, and its restore Jobs run on its data directory. Before {@link #start()}.
     */
    public LocalHostedCluster withShardEtcd(String statefulSet, EtcdProcess process, boolean emptyDir) {
        shardEtcds.put(statefulSet, process);
        if (emptyDir) {
            emptyDirShards.add(statefulSet);
        }
        return this;
    }

    private final Map<String, EtcdProcess> shardEtcds = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> emptyDirShards = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private EtcdProcess etcdOf(String statefulSet) {
        return "etcd".equals(statefulSet) ? etcd : java.util.Optional.ofNullable(shardEtcds.get(statefulSet))
                .orElseThrow(() -> new IllegalStateException("no local etcd plays StatefulSet " + statefulSet));
    }

    /** The default etcd's scratch space is the work dir itself (as before shards); a shard's, a directory of its own. */
    private Path workDirOf(String statefulSet) {
        return "etcd".equals(statefulSet) ? workDir : workDir.resolve(statefulSet);
    }

    /**
     * Cluster {@code namespace/name} on 4.18.5 (Completed 20 days ago, 4.18.4 before), its control plane with
     * {@code etcd} as its one etcd member (client certificates of {@code pki}) and its NodePool {@code <name>-workers}
     * on 4.18.5. The control plane comes first, so that a sidecar watching the HostedCluster finds it in place.
     */
    public static LocalHostedCluster seed(KubernetesClient service, KubernetesClient hyperShift, String namespace,
            String name, EtcdProcess etcd, TestPki pki, Path workDir, Narrator narrator) {
        return seed(service, hyperShift, namespace, name, etcd, pki, workDir, narrator, UnaryOperator.identity());
    }

    /** As above, the HostedCluster as {@code spec} makes it before it is created (e.g. with etcd shards). */
    public static LocalHostedCluster seed(KubernetesClient service, KubernetesClient hyperShift, String namespace,
            String name, EtcdProcess etcd, TestPki pki, Path workDir, Narrator narrator, UnaryOperator<HostedClusters> spec) {
        LocalHostedCluster local = new LocalHostedCluster(service, hyperShift, namespace, name, etcd, workDir, narrator);
        Instant now = Instant.now();
        HostedClusters fixture = HostedClusters.fixture().named(name).release(HostedClusters.tag("4.18.5")).history(
                HostedClusters.entry("Completed", "4.18.5", HostedClusters.tag("4.18.5"), now.minus(Duration.ofDays(20)),
                        now.minus(Duration.ofDays(20))),
                HostedClusters.entry("Completed", "4.18.4", HostedClusters.tag("4.18.4"), now.minus(Duration.ofDays(50)),
                        now.minus(Duration.ofDays(50))));
        ((ObjectNode) fixture.json().get("metadata")).put("namespace", namespace)
                .remove(List.of("uid", "resourceVersion", "creationTimestamp", "generation"));
        HostedCluster model = spec.apply(fixture).model();
        local.hyperShift.createControlPlane(model, WRITERS, 1);
        new ManagementCluster(hyperShift).recordEtcdCredentials(model.controlPlaneNamespace(), pki);
        HostedCluster created = service.resource(model).create();
        created.setStatus(model.getStatus());
        local.hyperShift.reportStatus(created);
        new ManagementCluster(service).recordNodePool(namespace, name + "-workers", name, HostedClusters.tag("4.18.5"), "4.18.5");
        return local;
    }

    public String controlPlaneNamespace() {
        return namespace + "-" + name;
    }

    /** The HostedCluster as the API server has it now. */
    public HostedCluster cluster() {
        return hyperShiftClient.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
    }

    /** The HostedCluster as the last round read it (null before the first round). */
    public HostedCluster lastSeen() {
        return lastSeen;
    }

    /** One round of HyperShift and of etcd's kubelet; returns the HostedCluster as read in it. */
    public HostedCluster round() {
        hyperShift.tick();
        HostedCluster cluster = cluster();
        lastSeen = cluster;
        boolean onBroken = brokenVersion != null && cluster.releaseImage().flatMap(PayloadImage::versionFromTag)
                .equals(ReleaseVersion.parse(brokenVersion));
        // applied at the next round, as HyperShift reports what it last observed
        hyperShift.reportedConditions.put("Degraded", onBroken ? "True" : "False");
        followEtcdStatefulSet();
        return cluster;
    }

    /** HyperShift's rounds on a thread of their own, every 200 ms, until the loop is closed. */
    public SimulatorLoop start() {
        loop = new SimulatorLoop("hypershift-" + name, ROUND_PAUSE, this::round,
                e -> narrator.say("hypershift", "simulator hiccup: " + e.getMessage())).start();
        return loop;
    }

    /** The last error a round of the loop met (the loop goes on), if any: for a test's failure message. */
    public Optional<String> lastHiccup() {
        return loop == null ? Optional.empty() : loop.lastError();
    }

    /** Workers follow upgrades only (NodePools are never rolled back): the service moves the pool, HyperShift reports it. */
    public void upgradeWorkers(String version) {
        NodePool pool = service.resources(NodePool.class).inNamespace(namespace).withName(name + "-workers").get();
        pool.getSpec().setRelease(Release.of(HostedClusters.tag(version)));
        NodePool updated = service.resource(pool).update();
        updated.getStatus().setVersion(version);
        hyperShiftClient.resource(updated).updateStatus();
    }

    /** Writes a key into the control plane's etcd, as one of its API servers would. */
    public void putInEtcd(String key, String value) {
        etcd.write(key, value);
    }

    public String readFromEtcd(String key) {
        return etcd.read(key);
    }

    /** The merge patch that moves the cluster to {@code version}'s payload. */
    public static String releasePatch(String version) {
        return "{\"spec\":{\"release\":{\"image\":\"" + HostedClusters.tag(version) + "\"}}}";
    }

    /** The merge patch of the request annotations an SRE sets ({@code kubectl annotate}); extra ones in {@code more}. */
    public static String requestPatch(String version, String reason, Map<String, String> more) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(RollbackRequest.TO_VERSION, version);
        annotations.put(RollbackRequest.REASON, reason);
        annotations.putAll(more);
        ObjectNode patch = HostedClusters.JSON.createObjectNode();
        annotations.forEach(patch.putObject("metadata").putObject("annotations")::put);
        return patch.toString();
    }

    /** The kubelet of etcd's one member: the local etcd process runs while the StatefulSet wants a replica. */
    private void followEtcdStatefulSet() {
        followEtcdStatefulSet("etcd", etcd);
        shardEtcds.forEach(this::followEtcdStatefulSet);
    }

    private void followEtcdStatefulSet(String name, EtcdProcess process) {
        StatefulSet set = hyperShiftClient.apps().statefulSets().inNamespace(controlPlaneNamespace()).withName(name).get();
        int replicas = set == null || set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
        boolean emptyDir = emptyDirShards.contains(name);
        if (replicas == 0 && process.isRunning()) {
            if (emptyDir) {
                process.stopAndEmpty();
            } else {
                process.stop();
            }
            narrator.say("kubelet", process.memberName() + " stopped (StatefulSet " + name + " scaled to 0"
                    + (emptyDir ? "; its EmptyDir volume went with the pod" : "") + ")");
        } else if (replicas > 0 && !process.isRunning()) {
            process.start();
            narrator.say("kubelet", process.memberName() + " started again on " + (emptyDir ? "an empty" : "its")
                    + " data directory");
        }
    }

    /** What the simulator's Job controller runs for a restore Job: the Job's own containers, here. */
    private boolean runRestoreJob(Job job) {
        try {
            String set = HyperShiftSimulator.statefulSetOf(job);
            LocalRestoreJob.Ran ran = LocalRestoreJob.run(job, etcdOf(set), workDirOf(set));
            narrator.say("restore-job", ran.job() + ": " + (ran.fetched() ? "fetch (download, SHA-256), then " : "")
                    + String.join(" ", ran.command().subList(0, 2)) + " <the Job's script> exited " + ran.exit() + "\n"
                    + ran.summary() + " (log: " + ran.log() + ")");
            return ran.succeeded();
        } catch (RuntimeException e) {
            narrator.say("restore-job", job.getMetadata().getName() + " could not run: " + e.getMessage());
            return false;
        }
    }
}
