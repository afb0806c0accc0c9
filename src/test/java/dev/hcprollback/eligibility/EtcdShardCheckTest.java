package dev.hcprollback.eligibility;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ManagedEtcd;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;

/**
 * With EtcdSharding (TechPreview, spec.etcd.managed.shards as openshift/hypershift 3ee9615's CRD spells it) a rollback
 * point must hold every PersistentVolume shard; a snapshot of the default etcd alone backs no rollback, and the
 * refusal names each shard and what it holds. EmptyDir shards need no snapshot. A complete set backs none either
 * until the restore writes shards.
 */
class EtcdShardCheckTest {

    private static final Duration WINDOW = Duration.ofHours(24);

    @Test
    void aSnapshotOfTheDefaultEtcdAloneBacksNoRollbackOfAShardedClusterAndTheRefusalNamesTheShards() {
        HostedCluster sharded = HostedClusters.onSixAfterFive("payments").withEtcdShards(
                HostedClusters.shard("events", 1, "PersistentVolume", "/events"),
                HostedClusters.shard("leases", 3, null, "coordination.k8s.io/leases"),
                HostedClusters.shard("scratch", 1, "EmptyDir", "/pods")).model();
        ControlPlaneSnapshot snapshot = snapshot();

        RollbackEligibility.Result request = RollbackEligibility.ofRequest(sharded, ReleaseVersion.parse("4.18.5").orElseThrow(),
                sharded::versionOf, new RollbackEligibility.Evidence(List.of(snapshot), List.of(), WINDOW, Instant.now(),
                        RollbackFloors.none("no floors")));

        assertEquals(Optional.of(RollbackEligibility.Refusal.ETCD_SHARD_NOT_SNAPSHOTTED), request.refusal(), request.message());
        assertTrue(request.message().contains("etcd-events (PersistentVolume, 1 member; holds events)")
                && request.message().contains("etcd-leases (PersistentVolume, 3 members; holds coordination.k8s.io/leases)"),
                request.message());
        assertTrue(request.message().contains("EmptyDir shards etcd-scratch (EmptyDir in memory, 1 member; holds pods) need none"),
                request.message());
        assertEquals(List.of("etcd-events", "etcd-leases"), EtcdShardCheck.of(snapshot, sharded).missing().stream()
                .map(ManagedEtcd.Shard::statefulSet).toList());
        assertEquals(Optional.empty(), RollbackPoint.of(sharded, List.of(snapshot), WINDOW, Instant.now()));
    }

    /**
     * A snapshot set holding every PersistentVolume shard, verified, is complete and backs the rollback: the restore
     * writes each shard from its own member of the set, and the EmptyDir shard is named with what it held.
     */
    @Test
    void aCompleteSetBacksTheRollback() {
        HostedCluster sharded = HostedClusters.onSixAfterFive("payments").withEtcdShards(
                HostedClusters.shard("events", 1, "PersistentVolume", "/events"),
                HostedClusters.shard("leases", 3, null, "coordination.k8s.io/leases"),
                HostedClusters.shard("scratch", 1, "EmptyDir", "/pods")).model();
        ControlPlaneSnapshot set = withShards(snapshot(), "events", "leases");

        EtcdShardCheck.Result result = EtcdShardCheck.of(set, sharded);
        assertTrue(result.complete(), result.detail());
        assertEquals(List.of(), result.missing());
        assertTrue(result.covered(), result.detail());
        assertTrue(result.detail().contains("holds every shard") && result.detail().contains("restores each from its own"
                + " snapshot in the set") && result.detail().contains("etcd-scratch (EmptyDir in memory, 1 member; holds"
                        + " pods) need none (a rollback empties them)"), result.detail());
        RollbackEligibility.Result request = request(sharded, set);
        assertEquals(Optional.empty(), request.refusal(), request.message());
        assertTrue(RollbackPoint.of(sharded, List.of(set), WINDOW, Instant.now()).isPresent());
    }

    /** A set that lacks one member (or holds it unverified) is incomplete, and the check names that member only. */
    @Test
    void anIncompleteSetNamesTheShardItLacks() {
        HostedCluster sharded = HostedClusters.onSixAfterFive("payments").withEtcdShards(
                HostedClusters.shard("events", 1, "PersistentVolume", "/events"),
                HostedClusters.shard("leases", 3, null, "coordination.k8s.io/leases")).model();
        ControlPlaneSnapshot set = withShards(snapshot(), "events", "leases");
        set.getStatus().getShards().get(1).setVerified(false);

        EtcdShardCheck.Result result = EtcdShardCheck.of(set, sharded);
        assertFalse(result.complete(), result.detail());
        assertEquals(List.of("etcd-leases"), result.missing().stream().map(ManagedEtcd.Shard::statefulSet).toList());
        assertTrue(result.detail().contains("lacks the etcd shards etcd-leases (PersistentVolume, 3 members; holds"
                + " coordination.k8s.io/leases)") && !result.detail().contains("etcd-events"), result.detail());
        RollbackEligibility.Result request = request(sharded, set);
        assertEquals(Optional.of(RollbackEligibility.Refusal.ETCD_SHARD_NOT_SNAPSHOTTED), request.refusal(), request.message());
        assertTrue(request.message().contains("etcd-leases"), request.message());
    }

    private static RollbackEligibility.Result request(HostedCluster cluster, ControlPlaneSnapshot snapshot) {
        return RollbackEligibility.ofRequest(cluster, ReleaseVersion.parse("4.18.5").orElseThrow(), cluster::versionOf,
                new RollbackEligibility.Evidence(List.of(snapshot), List.of(), WINDOW, Instant.now(),
                        RollbackFloors.none("no floors")));
    }

    /** {@code status.shards} as the snapshot controller records a verified set. */
    private static ControlPlaneSnapshot withShards(ControlPlaneSnapshot snapshot, String... names) {
        snapshot.getStatus().setShards(java.util.Arrays.stream(names).map(name -> new SnapshotShard(name,
                snapshot.getStatus().getObjectKey() + ".shard-" + name, null, "a".repeat(64), 1024, 7, true)).toList());
        return snapshot;
    }

    @Test
    void aClusterWhoseShardsAreAllEmptyDirIsBackedByTheDefaultEtcdsSnapshot() {
        HostedCluster memoryOnly = HostedClusters.onSixAfterFive("payments")
                .withEtcdShards(HostedClusters.shard("events", 1, "EmptyDir", "/events")).model();
        assertTrue(EtcdShardCheck.covers(snapshot(), memoryOnly), EtcdShardCheck.of(snapshot(), memoryOnly).detail());
        assertTrue(RollbackPoint.of(memoryOnly, List.of(snapshot()), WINDOW, Instant.now()).isPresent());
    }

    @Test
    void anUnmanagedEtcdHasNoShardsOfHyperShifts() {
        HostedClusters unmanaged = HostedClusters.onSixAfterFive("payments")
                .withEtcdShards(HostedClusters.shard("events", 1, null, "/events"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) unmanaged.json().at("/spec/etcd")).put("managementType", "Unmanaged");
        assertTrue(unmanaged.model().etcdShards().isEmpty());
    }

    @Test
    void theShardsAndEveryFieldTheModelDoesNotNameSurviveARoundTrip() {
        HostedClusters sharded = HostedClusters.onSixAfterFive("payments")
                .withEtcdShards(HostedClusters.shard("events", 3, "PersistentVolume", "/events"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) sharded.json().at("/spec/etcd/managed/shards/0"))
                .putObject("scheduling").putObject("nodeSelector").put("zone", "a");
        JsonNode before = sharded.json().at("/spec/etcd");
        assertEquals(before, HostedClusters.JSON.valueToTree(sharded.model()).at("/spec/etcd"));
        assertFalse(sharded.model().etcdShards().isEmpty());
    }

    private static ControlPlaneSnapshot snapshot() {
        return ManagementCluster.verifiedSnapshot("payments-4185", "payments", "4.18.5", HostedClusters.tag("4.18.5"), null,
                Instant.now().minus(Duration.ofHours(3)));
    }
}
