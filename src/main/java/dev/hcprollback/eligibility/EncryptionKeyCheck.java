package dev.hcprollback.eligibility;

import java.util.List;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.EncryptionKey;
import dev.hcprollback.api.SnapshotEncryption;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.SecretEncryption;

/**
 * Whether the hosted API server could read a snapshot's data once restored: every encryption key the snapshot
 * recorded must still be configured for it (active, backup, or a rotation's target or previous key; see
 * {@link SecretEncryption#configuredKeys}). HyperShift re-encrypts etcd after a key rotation and then drops the
 * old key, so a snapshot taken before a rotation can hold data nothing configured can decrypt. The one decision
 * behind the webhook, the plan's preflight item, the rollback point, the update records and retention.
 *
 * <p>What is not checked: whether a configured KMS key still exists and may be used in the KMS (the sidecar
 * cannot reach AWS, Azure or IBM Cloud KMS); a KMS key no longer configured counts as gone even while the KMS
 * keeps it pending deletion (AWS 7-30 days, Azure soft delete 7-90 days). An AESCBC key is matched by Secret
 * name and, when both sides have one, by HyperShift's SHA-256 of the key bytes; the sidecar reads no key Secret.
 */
public final class EncryptionKeyCheck {

    private EncryptionKeyCheck() {
    }

    /** @param readable whether the data is proven readable with what is configured now; {@code detail} says why in a sentence */
    public record Result(boolean readable, String detail) {
    }

    public static boolean readable(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        return of(snapshot, cluster).readable();
    }

    public static Result of(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        List<SecretEncryption.Key> configured = cluster.encryptionKeys();
        String name = "snapshot " + snapshot.getMetadata().getName();
        SnapshotEncryption recorded = snapshot.getStatus() == null ? null : snapshot.getStatus().getEncryption();
        if (recorded == null) {
            if (cluster.secretEncryptionType().isEmpty()) {
                return new Result(true, name + " records no encryption keys and the HostedCluster encrypts no secrets");
            }
            return new Result(false, name + " records no encryption key (taken before hcp-rollback recorded them), and the"
                    + " HostedCluster encrypts its secrets (" + cluster.secretEncryptionType().get() + ", the API server has "
                    + describe(configured) + "): that its data is readable after a restore is not proven; take a new snapshot");
        }
        if (SnapshotEncryption.NONE.equals(recorded.getType())) {
            // HyperShift's EncryptionConfiguration keeps the identity provider last, which reads unencrypted data
            return new Result(true, name + " was taken while the HostedCluster encrypted no secrets; the API server reads"
                    + " unencrypted data whatever its keys");
        }
        if (recorded.getKeys().isEmpty()) {
            return new Result(false, name + " records " + recorded.getType() + " encryption but no key: which key its data"
                    + " needs is unknown");
        }
        List<SecretEncryption.Key> needed = recorded.getKeys().stream().map(EncryptionKeyCheck::key).toList();
        List<SecretEncryption.Key> gone = needed.stream()
                .filter(k -> configured.stream().noneMatch(k::sameKeyAs)).toList();
        if (gone.isEmpty()) {
            return new Result(true, name + " is encrypted with " + describe(needed) + ", all still configured for the"
                    + " hosted API server");
        }
        boolean kms = gone.stream().anyMatch(k -> !SecretEncryption.AESCBC.equals(k.provider()));
        return new Result(false, name + " holds data encrypted with " + describe(gone) + ", which the hosted API server no"
                + " longer has (it has " + describe(configured) + "): a key rotation dropped it, so the restored data could"
                + " not be read" + (kms ? "; a KMS key no longer configured counts as gone (whether the KMS still holds it"
                        + " is not checked)" : ""));
    }

    private static SecretEncryption.Key key(EncryptionKey recorded) {
        return new SecretEncryption.Key(recorded.getProvider(), recorded.getId(), recorded.getFingerprint(),
                recorded.getSource());
    }

    private static String describe(List<SecretEncryption.Key> keys) {
        return keys.isEmpty() ? "no key" : keys.stream().map(Object::toString).collect(Collectors.joining(", "));
    }
}
