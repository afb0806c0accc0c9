package dev.hcprollback.hypershift;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * HyperShift's secret encryption of a HostedCluster: {@code spec.secretEncryption} (the keys asked for) and
 * {@code status.secretEncryption} (the keys etcd's data is encrypted with, and a rotation under way), reduced
 * to the key identities, and which keys the hosted API server is configured with.
 *
 * <p>Source: openshift/hypershift at 3ee9615 (the CRDs of both feature sets carry the same schema for these
 * fields): api/hypershift/v1beta1 (SecretEncryptionSpec, SecretEncryptionStatus), the control-plane operator's
 * EncryptionConfiguration (control-plane-operator/controllers/hostedcontrolplane/v2/kas/secretencryption.go,
 * kms.go) and its re-encryption controller
 * (control-plane-operator/hostedclusterconfigoperator/controllers/reencryption). Once
 * {@code status.secretEncryption.activeKey} is set, the API server holds the spec's active key alone, or during a
 * rotation the status' target and active keys; the spec's {@code backupKey} is then ignored, so the old key is
 * dropped as soon as re-encryption completes.
 */
public final class SecretEncryption {

    /** Provider names as {@code status.secretEncryption.*.provider} spells them. */
    public static final String AESCBC = "AESCBC";
    public static final String AWS = "AWS";
    public static final String AZURE = "Azure";
    public static final String IBM_CLOUD = "IBMCloud";

    private SecretEncryption() {
    }

    /**
     * One encryption key by its identity, never its bytes.
     *
     * @param provider {@link #AESCBC}, {@link #AWS}, {@link #AZURE} or {@link #IBM_CLOUD}
     * @param id AESCBC: the key Secret's name (in the HostedCluster's namespace, copied by HyperShift into the
     *        control-plane namespace); AWS: the key ARN; Azure: {@code <keyVaultName>/<keyName>/<keyVersion>};
     *        IBM Cloud: {@code <crkID>/<instanceID>/<keyVersion>}
     * @param fingerprint AESCBC only: the hex SHA-256 of the Secret's {@code key} bytes, as HyperShift publishes it in
     *        {@code status.secretEncryption.*.aescbc.dataHash}; null when HyperShift published none for it
     * @param source where the cluster names it, e.g. {@code status.secretEncryption.activeKey}
     */
    public record Key(String provider, String id, String fingerprint, String source) {

        /**
         * The same key: same provider and id, and for AESCBC the same fingerprint when both sides know one (a
         * Secret whose bytes were replaced under the same name is another key).
         */
        public boolean sameKeyAs(Key other) {
            return Objects.equals(provider, other.provider) && Objects.equals(id, other.id)
                    && (fingerprint == null || other.fingerprint == null || fingerprint.equals(other.fingerprint));
        }

        @Override
        public String toString() {
            return (AESCBC.equals(provider) ? "AESCBC key Secret " + id
                    + (fingerprint == null ? " (no fingerprint)" : " (SHA-256 " + abbreviate(fingerprint) + ")")
                    : provider + " KMS key " + id);
        }

        private static String abbreviate(String hex) {
            return hex.length() > 12 ? hex.substring(0, 12) + "…" : hex;
        }
    }

    /** {@code spec.secretEncryption}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Spec extends KeepsUnknownFields {
        /** {@code aescbc} or {@code kms}. */
        public String type;
        public Aescbc aescbc;
        public Kms kms;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Aescbc extends KeepsUnknownFields {
        public Ref activeKey;
        public Ref backupKey;
    }

    /** A reference by name (a LocalObjectReference or a SecretReference). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Ref extends KeepsUnknownFields {
        public String name;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Kms extends KeepsUnknownFields {
        /** {@code AWS}, {@code Azure} or {@code IBMCloud}. */
        public String provider;
        public AwsKms aws;
        public AzureKms azure;
        public IbmCloudKms ibmcloud;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class AwsKms extends KeepsUnknownFields {
        public AwsKey activeKey;
        public AwsKey backupKey;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class AwsKey extends KeepsUnknownFields {
        public String arn;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class AzureKms extends KeepsUnknownFields {
        public AzureKey activeKey;
        public AzureKey backupKey;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class AzureKey extends KeepsUnknownFields {
        public String keyVaultName;
        public String keyName;
        public String keyVersion;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class IbmCloudKms extends KeepsUnknownFields {
        public List<IbmCloudKey> keyList;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class IbmCloudKey extends KeepsUnknownFields {
        public String crkID;
        public String instanceID;
        public Long keyVersion;
    }

    /** {@code status.secretEncryption}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Status extends KeepsUnknownFields {
        /** The key all etcd data is confirmed encrypted with (set again when a re-encryption completes). */
        public KeyStatus activeKey;
        /** The key being rolled out; set only while a rotation runs. */
        public KeyStatus targetKey;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KeyStatus extends KeepsUnknownFields {
        public String provider;
        public AescbcStatus aescbc;
        public AwsKey aws;
        public AzureKey azure;
        public IbmCloudKey ibmCloud;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class AescbcStatus extends KeepsUnknownFields {
        public Ref secret;
        /** Hex SHA-256 of the Secret's {@code key} data. */
        public String dataHash;
    }

    /**
     * The keys the hosted API server is configured with (to write and to read), as HyperShift's control-plane
     * operator derives its EncryptionConfiguration, which are also every key etcd's data may be encrypted with:
     * <ul>
     * <li>no {@code status.secretEncryption.activeKey} yet (an older HyperShift, or before its first
     * reconciliation): the spec's active key and its deprecated {@code backupKey};</li>
     * <li>otherwise the spec's active key and {@code status.activeKey}, and {@code status.targetKey} while a
     * rotation runs; the spec's {@code backupKey} is ignored.</li>
     * </ul>
     * An AESCBC key named by the spec only gets the fingerprint the status publishes for the same Secret. Empty
     * when the cluster encrypts nothing.
     */
    public static List<Key> configuredKeys(Spec spec, Status status) {
        List<Key> keys = new ArrayList<>();
        if (spec == null) {
            return keys;
        }
        Optional<KeyStatus> active = Optional.ofNullable(status).map(s -> s.activeKey).filter(k -> k.provider != null);
        Optional<KeyStatus> target = Optional.ofNullable(status).map(s -> s.targetKey).filter(k -> k.provider != null);
        List<Key> fromStatus = new ArrayList<>();
        active.flatMap(k -> of(k, "status.secretEncryption.activeKey")).ifPresent(fromStatus::add);
        target.flatMap(k -> of(k, "status.secretEncryption.targetKey")).ifPresent(fromStatus::add);
        if ("aescbc".equalsIgnoreCase(spec.type) && spec.aescbc != null) {
            aescbc(spec.aescbc.activeKey, "spec.secretEncryption.aescbc.activeKey", fromStatus).ifPresent(keys::add);
            if (active.isEmpty()) {
                aescbc(spec.aescbc.backupKey, "spec.secretEncryption.aescbc.backupKey", fromStatus).ifPresent(keys::add);
            }
        } else if ("kms".equalsIgnoreCase(spec.type) && spec.kms != null) {
            if (spec.kms.aws != null) {
                aws(spec.kms.aws.activeKey, "spec.secretEncryption.kms.aws.activeKey").ifPresent(keys::add);
                if (active.isEmpty()) {
                    aws(spec.kms.aws.backupKey, "spec.secretEncryption.kms.aws.backupKey").ifPresent(keys::add);
                }
            }
            if (spec.kms.azure != null) {
                azure(spec.kms.azure.activeKey, "spec.secretEncryption.kms.azure.activeKey").ifPresent(keys::add);
                if (active.isEmpty()) {
                    azure(spec.kms.azure.backupKey, "spec.secretEncryption.kms.azure.backupKey").ifPresent(keys::add);
                }
            }
            if (spec.kms.ibmcloud != null && spec.kms.ibmcloud.keyList != null) {
                // IBM Cloud's KMS plugin is handed the whole list and decrypts with any version in it
                spec.kms.ibmcloud.keyList.forEach(k -> ibmCloud(k, "spec.secretEncryption.kms.ibmcloud.keyList").ifPresent(keys::add));
            }
        }
        for (Key key : fromStatus) {
            if (keys.stream().noneMatch(k -> k.sameKeyAs(key))) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static Optional<Key> of(KeyStatus status, String source) {
        return switch (status.provider) {
            case AESCBC -> Optional.ofNullable(status.aescbc).filter(a -> a.secret != null && a.secret.name != null)
                    .map(a -> new Key(AESCBC, a.secret.name, a.dataHash, source));
            case AWS -> aws(status.aws, source);
            case AZURE -> azure(status.azure, source);
            case IBM_CLOUD -> ibmCloud(status.ibmCloud, source);
            default -> Optional.empty();
        };
    }

    private static Optional<Key> aescbc(Ref ref, String source, List<Key> fromStatus) {
        if (ref == null || ref.name == null || ref.name.isEmpty()) {
            return Optional.empty();
        }
        String fingerprint = fromStatus.stream().filter(k -> AESCBC.equals(k.provider()) && ref.name.equals(k.id()))
                .map(Key::fingerprint).filter(Objects::nonNull).findFirst().orElse(null);
        return Optional.of(new Key(AESCBC, ref.name, fingerprint, source));
    }

    private static Optional<Key> aws(AwsKey key, String source) {
        return Optional.ofNullable(key).filter(k -> k.arn != null).map(k -> new Key(AWS, k.arn, null, source));
    }

    private static Optional<Key> azure(AzureKey key, String source) {
        return Optional.ofNullable(key).filter(k -> k.keyVaultName != null && k.keyName != null)
                .map(k -> new Key(AZURE, k.keyVaultName + "/" + k.keyName + "/" + k.keyVersion, null, source));
    }

    private static Optional<Key> ibmCloud(IbmCloudKey key, String source) {
        return Optional.ofNullable(key).filter(k -> k.crkID != null)
                .map(k -> new Key(IBM_CLOUD, k.crkID + "/" + k.instanceID + "/" + k.keyVersion, null, source));
    }
}
