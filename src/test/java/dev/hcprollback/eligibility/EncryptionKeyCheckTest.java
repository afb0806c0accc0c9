package dev.hcprollback.eligibility;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.EncryptionKey;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.snapshot.SnapshotTaker;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;

/**
 * A snapshot is a rollback point only while the hosted API server still has every key its data is encrypted with:
 * HyperShift re-encrypts etcd after a rotation and drops the old key (status.secretEncryption, openshift/hypershift
 * 3ee9615). Shapes as HyperShift writes them.
 */
class EncryptionKeyCheckTest {

    private static final String OLD = "payments-etcd-encryption-key";
    private static final String NEW = "payments-etcd-encryption-key-2";
    private static final String OLD_HASH = "1".repeat(64);
    private static final String NEW_HASH = "2".repeat(64);
    private static final Duration WINDOW = Duration.ofHours(24);

    @Test
    void aSnapshotRecordsTheAescbcKeyByNameAndHyperShiftsFingerprint() {
        HostedCluster before = aescbc(OLD, null, key(OLD, OLD_HASH), null);
        List<EncryptionKey> keys = SnapshotTaker.Payload.encryptionOf(before).getKeys();
        assertEquals(1, keys.size());
        assertEquals(List.of("AESCBC", OLD, OLD_HASH), List.of(keys.get(0).getProvider(), keys.get(0).getId(),
                keys.get(0).getFingerprint()));
        assertEquals("aescbc", SnapshotTaker.Payload.encryptionOf(before).getType());
    }

    @Test
    void afterARotationThatDroppedTheOldKeyTheSnapshotIsNoRollbackPointAndSaysWhy() {
        ControlPlaneSnapshot snapshot = snapshotTakenWith(aescbc(OLD, null, key(OLD, OLD_HASH), null));
        HostedCluster rotated = aescbc(NEW, OLD, key(NEW, NEW_HASH), null); // backupKey is ignored once status is set

        EncryptionKeyCheck.Result result = EncryptionKeyCheck.of(snapshot, rotated);
        assertFalse(result.readable());
        assertTrue(result.detail().contains("AESCBC key Secret " + OLD) && result.detail().contains("no longer has"),
                result.detail());
        assertEquals(Optional.empty(), RollbackPoint.of(rotated, List.of(snapshot), WINDOW, Instant.now()));
        RollbackEligibility.Result request = RollbackEligibility.ofRequest(rotated, dev.hcprollback.hypershift.ReleaseVersion
                .parse("4.18.5").orElseThrow(), rotated::versionOf,
                new RollbackEligibility.Evidence(List.of(snapshot), List.of(), WINDOW, Instant.now(),
                        RollbackFloors.none("no floors")));
        assertEquals(Optional.of(RollbackEligibility.Refusal.ENCRYPTION_KEY_GONE), request.refusal(), request.message());
    }

    @Test
    void whileTheOldKeyIsStillConfiguredTheSnapshotIsARollbackPoint() {
        ControlPlaneSnapshot snapshot = snapshotTakenWith(aescbc(OLD, null, key(OLD, OLD_HASH), null));
        // mid-rotation: the target key writes, the old (status.activeKey) still reads
        HostedCluster rotating = aescbc(NEW, null, key(OLD, OLD_HASH), key(NEW, NEW_HASH));
        assertTrue(EncryptionKeyCheck.readable(snapshot, rotating), EncryptionKeyCheck.of(snapshot, rotating).detail());
        assertEquals(Optional.of(snapshot), RollbackPoint.of(rotating, List.of(snapshot), WINDOW, Instant.now()));
        // an older HyperShift without status.secretEncryption: the spec's backupKey is configured
        HostedCluster legacy = aescbc(NEW, OLD, null, null);
        assertTrue(EncryptionKeyCheck.readable(snapshot, legacy), EncryptionKeyCheck.of(snapshot, legacy).detail());
    }

    @Test
    void theSameSecretNameWithOtherKeyBytesIsAnotherKey() {
        ControlPlaneSnapshot snapshot = snapshotTakenWith(aescbc(OLD, null, key(OLD, OLD_HASH), null));
        assertFalse(EncryptionKeyCheck.readable(snapshot, aescbc(OLD, null, key(OLD, NEW_HASH), null)));
    }

    @Test
    void aSnapshotWithoutARecordedKeyIsProvenOnlyOnAClusterThatEncryptsNothing() {
        ControlPlaneSnapshot older = snapshotTakenWith(aescbc(OLD, null, key(OLD, OLD_HASH), null));
        older.getStatus().setEncryption(null);
        EncryptionKeyCheck.Result encrypted = EncryptionKeyCheck.of(older, aescbc(OLD, null, key(OLD, OLD_HASH), null));
        assertFalse(encrypted.readable());
        assertTrue(encrypted.detail().contains("records no encryption key"), encrypted.detail());
        HostedClusters plain = HostedClusters.onSixAfterFive("payments");
        ((ObjectNode) plain.json().get("spec")).remove("secretEncryption");
        assertTrue(EncryptionKeyCheck.readable(older, plain.model()));
    }

    @Test
    void aKmsKeyNoLongerConfiguredIsGone() {
        HostedClusters fixture = HostedClusters.onSixAfterFive("payments"); // AWS KMS, as the fixture is
        ControlPlaneSnapshot snapshot = snapshotTakenWith(fixture.model());
        assertTrue(EncryptionKeyCheck.readable(snapshot, fixture.model()));
        ((ObjectNode) fixture.json().at("/spec/secretEncryption/kms/aws/activeKey")).put("arn",
                "arn:aws:kms:us-east-1:123456789012:key/ffff");
        EncryptionKeyCheck.Result rotated = EncryptionKeyCheck.of(snapshot, fixture.model());
        assertFalse(rotated.readable());
        assertTrue(rotated.detail().contains("whether the KMS still holds it is not checked"), rotated.detail());
    }

    private static ControlPlaneSnapshot snapshotTakenWith(HostedCluster cluster) {
        ControlPlaneSnapshot snapshot = ManagementCluster.verifiedSnapshot("payments-4185", "payments", "4.18.5",
                HostedClusters.tag("4.18.5"), null, Instant.now().minus(Duration.ofHours(3)));
        snapshot.getStatus().setEncryption(SnapshotTaker.Payload.encryptionOf(cluster));
        return snapshot;
    }

    /** The fixture cluster on 4.18.6 after 4.18.5, with AESCBC keys in spec and HyperShift's status. */
    private static HostedCluster aescbc(String active, String backup, ObjectNode statusActive, ObjectNode statusTarget) {
        HostedClusters cluster = HostedClusters.onSixAfterFive("payments");
        ObjectNode encryption = ((ObjectNode) cluster.json().get("spec")).putObject("secretEncryption").put("type", "aescbc");
        ObjectNode aescbc = encryption.putObject("aescbc");
        aescbc.putObject("activeKey").put("name", active);
        if (backup != null) {
            aescbc.putObject("backupKey").put("name", backup);
        }
        if (statusActive != null) {
            ObjectNode status = ((ObjectNode) cluster.json().get("status")).putObject("secretEncryption");
            status.set("activeKey", statusActive);
            if (statusTarget != null) {
                status.set("targetKey", statusTarget);
            }
        }
        return cluster.model();
    }

    private static ObjectNode key(String secret, String dataHash) {
        ObjectNode key = HostedClusters.JSON.createObjectNode().put("provider", "AESCBC");
        key.putObject("aescbc").put("dataHash", dataHash).putObject("secret").put("name", secret);
        return key;
    }
}
