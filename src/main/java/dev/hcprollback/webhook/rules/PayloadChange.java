package dev.hcprollback.webhook.rules;

import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;

/**
 * How one release field's effective payload moves in an update, with the versions found for each
 * side (or why none was found).
 */
record PayloadChange(ReleaseField field, Optional<PayloadImage> from, Optional<PayloadImage> to,
        Optional<ReleaseVersion> fromVersion, Optional<ReleaseVersion> toVersion, String unknownBecause) {

    enum Direction {
        UNCHANGED,
        SAME_VERSION,
        UNKNOWN,
        UPGRADE,
        DOWNGRADE
    }

    /** Versions are looked up with what the cluster reported before the update (its status, snapshots, registry). */
    static PayloadChange of(ReleaseField field, HostedCluster before, HostedCluster after,
            BiFunction<HostedCluster, PayloadImage, PayloadVersions.Resolved> versions) {
        if (field == ReleaseField.CONTROL_PLANE_RELEASE && after.controlPlaneReleaseImage().isEmpty()
                && (before == null || before.controlPlaneReleaseImage().isEmpty())) {
            // no override on either side: the control plane follows spec.release, which is judged already
            return new PayloadChange(field, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), null);
        }
        Optional<PayloadImage> from = before == null ? Optional.empty() : field.effectiveImage(before);
        Optional<PayloadImage> to = field.effectiveImage(after);
        if (from.isEmpty() || to.isEmpty() || from.equals(to)) {
            return new PayloadChange(field, from, to, Optional.empty(), Optional.empty(), null);
        }
        HostedCluster reporter = before;
        PayloadVersions.Resolved fromResolved = versions.apply(reporter, from.get());
        PayloadVersions.Resolved toResolved = from.get().sameDigestAs(to.get()) ? fromResolved
                : versions.apply(reporter, to.get());
        String because = fromResolved.version().isEmpty() ? fromResolved.unknownBecause() : toResolved.unknownBecause();
        return new PayloadChange(field, from, to, fromResolved.version(), toResolved.version(), because);
    }

    Direction direction() {
        if (Objects.equals(from, to) || from.isEmpty() || to.isEmpty()) {
            // a payload that appears or disappears is HyperShift's own validation to judge
            return Direction.UNCHANGED;
        }
        if (from.get().sameDigestAs(to.get())) {
            // one payload, another repository or spelling (a mirror, a tag added to the digest)
            return Direction.SAME_VERSION;
        }
        if (fromVersion.isEmpty() || toVersion.isEmpty()) {
            return Direction.UNKNOWN;
        }
        int order = toVersion.get().compareTo(fromVersion.get());
        return order == 0 ? Direction.SAME_VERSION : order > 0 ? Direction.UPGRADE : Direction.DOWNGRADE;
    }

    /** The payload a rollback moves this field to, as far as it is known. */
    Optional<PayloadIdentity> target() {
        return to.map(image -> PayloadIdentity.of(image, toVersion));
    }

    PayloadImage unknownImage() {
        return fromVersion.isEmpty() ? from.get() : to.get();
    }

    String unknownVersionWarning() {
        return "hcp-rollback: cannot tell the version of " + field.path() + " payload " + unknownImage()
                + " (" + unknownBecause + "); it is judged as a new payload, not as a downgrade";
    }

    String describe() {
        return field.path() + " moves from " + fromVersion.map(Object::toString).orElse("?") + " to "
                + toVersion.map(Object::toString).orElse("?");
    }
}
