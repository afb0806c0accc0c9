package dev.hcprollback.webhook.rules;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.eligibility.SnapshotPayloads;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.KnownPayload;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.registry.ReleaseImageLookup;
import dev.hcprollback.registry.ReleaseLookupException;
import dev.hcprollback.webhook.review.NeedsWorkerThread;

/**
 * The version of a payload a HostedCluster names, found in this order: the tag of a pull spec without
 * a digest; any desired or history entry of either release field with the same digest; a snapshot of
 * the cluster that recorded the digest; the registry (the release image's config label, read with the
 * control plane's copy of the pull secret) when the image lives in a trusted repository
 * ({@code hcp-rollback.registry.trusted-repositories}). The lookup keeps answers per digest.
 */
@ApplicationScoped
public class PayloadVersions {

    private static final Logger LOG = Logger.getLogger(PayloadVersions.class);
    @Inject
    AdmissionCaches caches;

    @Inject
    ReleaseImageLookup registry;

    @Inject
    HcpRollbackConfig config;

    /** A version, or why there is none ({@code unknownBecause}, a clause for a message). */
    public record Resolved(Optional<ReleaseVersion> version, String unknownBecause) {

        static Resolved known(ReleaseVersion version) {
            return new Resolved(Optional.of(version), null);
        }

        static Resolved unknown(String because) {
            return new Resolved(Optional.empty(), because);
        }
    }

    public Resolved resolve(HostedCluster cluster, PayloadImage image) {
        Optional<ReleaseVersion> local = locally(cluster, image);
        if (local.isPresent()) {
            return Resolved.known(local.get());
        }
        if (image.digest().isEmpty()) {
            return Resolved.unknown("its tag names no release version and it has no digest");
        }
        String where = "neither this cluster's version history nor its snapshots name the digest";
        if (!isTrusted(image)) {
            return Resolved.unknown(where + ", and its repository is not one whose labels are trusted"
                    + " (hcp-rollback.registry.trusted-repositories: " + String.join(", ", config.registry().trustedRepositories()) + ")");
        }
        NeedsWorkerThread.beforeBlocking("the registry lookup of " + image);
        try {
            Optional<ReleaseVersion> version = registry.releaseVersion(image, cluster.controlPlaneNamespace(),
                    Optional.of(ReleaseImageLookup.HYPERSHIFT_PULL_SECRET));
            if (version.isPresent()) {
                return Resolved.known(version.get());
            }
            return Resolved.unknown(where + ", and its image config in the registry carries no io.openshift.release label");
        } catch (ReleaseLookupException e) {
            LOG.debugf("registry lookup of %s failed: %s", image, e.getMessage());
            return Resolved.unknown(where + ", and the registry could not tell (" + e.getMessage() + ")");
        }
    }

    private boolean isTrusted(PayloadImage image) {
        return config.registry().trustedRepositories().stream().map(prefix -> prefix.replaceAll("/+$", ""))
                .anyMatch(prefix -> image.repository().equals(prefix) || image.repository().startsWith(prefix + "/"));
    }

    /** The version from what the management cluster already holds: the tag, the cluster's status, its snapshots. */
    public Optional<ReleaseVersion> locally(HostedCluster cluster, PayloadImage image) {
        return cluster.versionOf(image).or(() -> KnownPayload.versionOf(image, caches
                .snapshotsOf(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName()).stream()
                .flatMap(snapshot -> SnapshotPayloads.knownPayloads(snapshot).stream()).toList()));
    }
}
