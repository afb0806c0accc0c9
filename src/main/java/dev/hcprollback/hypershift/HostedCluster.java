package dev.hcprollback.hypershift;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonIgnore;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * HyperShift's HostedCluster, reduced to the fields hcp-rollback reads and writes. Everything else
 * is carried along untouched (see {@link KeepsUnknownFields}); the CRD itself belongs to HyperShift.
 */
@Group(HostedCluster.GROUP)
@Version("v1beta1")
@Kind("HostedCluster")
@Plural("hostedclusters")
@ShortNames({ "hc", "hcs" })
public class HostedCluster extends CustomResource<HostedClusterSpec, HostedClusterStatus> implements Namespaced {

    public static final String GROUP = "hypershift.openshift.io";
    /** Replaces images of the release payload (a debugging lever that can run an older control plane). */
    public static final String IMAGE_OVERRIDES = GROUP + "/image-overrides";
    /** Replaces the control-plane operator's image (as above). */
    public static final String CONTROL_PLANE_OPERATOR_IMAGE = GROUP + "/control-plane-operator-image";

    /**
     * Every HostedCluster annotation of HyperShift's API that sets the image of a control-plane component, or
     * redirects where such images come from: each can run an older component than the payload the cluster reports,
     * so the gate guards a change of any of them like a change of the payload's own images (rules
     * image-override-unauthorised and image-override-authorised). The key list of the webhook configuration's
     * matchConditions (manifests/base/validatingwebhookconfiguration.yaml) must be exactly this list; ManifestsTest
     * fails when they differ.
     *
     * <p>Source: openshift/hypershift, api/hypershift/v1beta1/hostedcluster_types.go (the constant named beside each
     * key), and api/karpenter/v1beta1/karpenter_types.go for the Karpenter provider, read at commit
     * 0004926498e3c5960b2e0644ac23ce7b1c2f457b.
     *
     * <p>Left out on purpose:
     * <ul>
     * <li>{@code hypershift.openshift.io/force-upgrade-to} (ForceUpgradeToAnnotation): it names a release image and lets
     * an update to exactly that image proceed while the cluster reports Upgradeable=False; it moves no payload
     * itself. The payload moves only through spec.release or spec.controlPlaneRelease, which the gate judges
     * whatever the annotation says (HyperShift ignores it unless it equals the desired image). The sidecar and the
     * HyperShift operator must stay free to set and clear it during a revert.</li>
     * <li>{@code hypershift.openshift.io/release-image} (ReleaseImageAnnotation): informational, written by HyperShift on
     * the control plane's pod templates; nothing reads it from a HostedCluster.</li>
     * <li>{@code hypershift.openshift.io/haproxy-image} (NodePoolHAProxyImageAnnotation): a NodePool annotation for the
     * workers' API server proxy; workers are never rolled back, so their images are out of scope.</li>
     * <li>{@code hypershift.openshift.io/skip-release-image-validation} (SkipReleaseImageValidation): names no image; it
     * skips HyperShift's minimum-version check of a payload the gate has already judged.</li>
     * </ul>
     */
    public static final List<String> IMAGE_ANNOTATIONS = List.of(
            IMAGE_OVERRIDES, // ImageOverridesAnnotation: images of the release payload, as a flag to the CPO
            CONTROL_PLANE_OPERATOR_IMAGE, // ControlPlaneOperatorImageAnnotation
            // ControlPlaneOperatorImageLabelsAnnotation: declares what the overriding CPO image can do; it goes with the
            // CPO image override, so it is guarded with it
            GROUP + "/control-plane-operator-image-labels",
            GROUP + "/konnectivity-server-image", // KonnectivityServerImageAnnotation
            GROUP + "/konnectivity-agent-image", // KonnectivityAgentImageAnnotation
            GROUP + "/capi-manager-image", // ClusterAPIManagerImage
            GROUP + "/cluster-autoscaler-image", // ClusterAutoscalerImage
            GROUP + "/machine-approver-image", // MachineApproverImage
            GROUP + "/aws-kms-provider-image", // AWSKMSProviderImage
            GROUP + "/ibmcloud-kms-provider-image", // IBMCloudKMSProviderImage
            GROUP + "/portieris-image", // PortierisImageAnnotation
            GROUP + "/capi-provider-aws-image", // ClusterAPIProviderAWSImage
            GROUP + "/capi-provider-kubevirt-image", // ClusterAPIKubeVirtProviderImage
            GROUP + "/capi-provider-agent-image", // ClusterAPIAgentProviderImage
            GROUP + "/capi-provider-azure-image", // ClusterAPIAzureProviderImage
            GROUP + "/capi-provider-powervs-image", // ClusterAPIPowerVSProviderImage
            GROUP + "/capi-provider-openstack-image", // ClusterAPIOpenStackProviderImage
            GROUP + "/capi-provider-gcp-image", // ClusterAPIGCPProviderImage
            GROUP + "/orc-image", // OpenStackResourceControllerImage
            GROUP + "/karpenter-provider-aws-image", // KarpenterProviderAWSImage (api/karpenter/v1beta1)
            // the OLM catalogs the control plane serves (management placement)
            GROUP + "/certified-operators-catalog-image", // CertifiedOperatorsCatalogImageAnnotation
            GROUP + "/community-operators-catalog-image", // CommunityOperatorsCatalogImageAnnotation
            GROUP + "/redhat-marketplace-catalog-image", // RedHatMarketplaceCatalogImageAnnotation
            GROUP + "/redhat-operators-catalog-image", // RedHatOperatorsCatalogImageAnnotation
            // OLMCatalogsISRegistryOverridesAnnotation: rewrites the registries those catalog images come from
            GROUP + "/olm-catalogs-is-registry-overrides");

    /** The image override annotations this cluster sets, by key. */
    @JsonIgnore
    public Map<String, String> imageAnnotations() {
        return imageAnnotationsOf(getMetadata());
    }

    /**
     * The {@link #IMAGE_ANNOTATIONS} that {@code metadata} sets, by key: of a HostedCluster, or of the
     * HostedControlPlane HyperShift copies several of them to.
     */
    public static Map<String, String> imageAnnotationsOf(ObjectMeta metadata) {
        Map<String, String> found = new TreeMap<>();
        if (metadata != null && metadata.getAnnotations() != null) {
            for (String key : IMAGE_ANNOTATIONS) { // a loop: the webhook asks twice per HostedCluster update
                String value = metadata.getAnnotations().get(key);
                if (value != null) {
                    found.put(key, value);
                }
            }
        }
        return found;
    }

    @JsonIgnore
    public Optional<PayloadImage> releaseImage() {
        return Optional.ofNullable(getSpec()).map(HostedClusterSpec::getRelease).map(Release::getImage)
                .flatMap(PayloadImage::of);
    }

    @JsonIgnore
    public Optional<PayloadImage> controlPlaneReleaseImage() {
        return Optional.ofNullable(getSpec()).map(HostedClusterSpec::getControlPlaneRelease).map(Release::getImage)
                .flatMap(PayloadImage::of);
    }

    @JsonIgnore
    public List<UpdateHistory> versionHistory() {
        return Optional.ofNullable(getStatus()).map(HostedClusterStatus::getVersion).map(VersionStatus::getHistory)
                .orElse(List.of());
    }

    @JsonIgnore
    public List<UpdateHistory> controlPlaneVersionHistory() {
        return Optional.ofNullable(getStatus()).map(HostedClusterStatus::getControlPlaneVersion)
                .map(VersionStatus::getHistory).orElse(List.of());
    }

    /**
     * The version of a payload as far as this cluster knows it: for a pull spec without a digest, from
     * its tag; for one with a digest, from any desired or history entry of either release field that
     * names the same digest, whatever its repository. Empty when the cluster has never reported it.
     */
    public Optional<ReleaseVersion> versionOf(PayloadImage image) {
        if (image.digest().isEmpty()) {
            return image.versionFromTag();
        }
        return KnownPayload.versionOf(image, knownPayloads());
    }

    /** Every digest the cluster's status names with a version: desired and history entries of both release fields. */
    @JsonIgnore
    public List<KnownPayload> knownPayloads() {
        return reportedPayloads()
                .flatMap(entry -> PayloadImage.of(entry.getImage()).flatMap(PayloadImage::digest)
                        .flatMap(digest -> ReleaseVersion.parse(entry.getVersion())
                                .map(version -> new KnownPayload(digest, version, "the version history")))
                        .stream())
                .toList();
    }

    /** The identity of a payload this cluster names: its digest and the version the cluster knows for it. */
    public PayloadIdentity identify(PayloadImage image) {
        return PayloadIdentity.of(image, versionOf(image));
    }

    /**
     * Like {@link #identify}, and for a pull spec without a digest the digest of the status entry that
     * reports the same version (HyperShift reports what it resolved): what a snapshot records.
     */
    public PayloadIdentity identifyWithHistory(PayloadImage image) {
        Optional<ReleaseVersion> version = versionOf(image);
        Optional<String> digest = image.digest().or(() -> version.flatMap(v -> knownPayloads().stream()
                .filter(known -> known.version().equals(v)).map(KnownPayload::digest).findFirst()));
        return new PayloadIdentity(image, digest, version);
    }

    private Stream<UpdateHistory> reportedPayloads() {
        Optional<HostedClusterStatus> status = Optional.ofNullable(getStatus());
        Stream<VersionStatus> statuses = Stream.concat(status.map(HostedClusterStatus::getVersion).stream(),
                status.map(HostedClusterStatus::getControlPlaneVersion).stream());
        return statuses.flatMap(s -> Stream.concat(Stream.ofNullable(s.getDesired()), s.getHistory().stream()));
    }

    /** {@code spec.secretEncryption.type} ({@code aescbc} or {@code kms}); empty when the cluster encrypts no secrets. */
    @JsonIgnore
    public Optional<String> secretEncryptionType() {
        return Optional.ofNullable(getSpec()).map(HostedClusterSpec::getSecretEncryption).map(e -> e.type);
    }

    /**
     * The encryption keys the hosted API server is configured with, active or backup (see
     * {@link SecretEncryption#configuredKeys}); empty when the cluster encrypts no secrets.
     */
    @JsonIgnore
    public List<SecretEncryption.Key> encryptionKeys() {
        return SecretEncryption.configuredKeys(Optional.ofNullable(getSpec()).map(HostedClusterSpec::getSecretEncryption).orElse(null),
                Optional.ofNullable(getStatus()).map(HostedClusterStatus::getSecretEncryption).orElse(null));
    }

    /**
     * The etcd shards besides the default etcd ({@code spec.etcd.managed.shards}, TechPreview EtcdSharding; see
     * {@link ManagedEtcd}); empty for an unsharded cluster.
     */
    @JsonIgnore
    public List<ManagedEtcd.Shard> etcdShards() {
        return ManagedEtcd.shardsOf(Optional.ofNullable(getSpec()).map(HostedClusterSpec::getEtcd).orElse(null));
    }

    /** {@code <namespace>-<name with '.' replaced by '-'>}, where HyperShift runs this cluster's control plane. */
    @JsonIgnore
    public String controlPlaneNamespace() {
        return getMetadata().getNamespace() + "-" + getMetadata().getName().replace('.', '-');
    }

    @JsonIgnore
    public boolean isConditionTrue(String type) {
        return getStatus() != null && getStatus().isConditionTrue(type);
    }
}
