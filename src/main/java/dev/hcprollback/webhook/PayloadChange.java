package dev.hcprollback.webhook;

import java.util.Objects;
import java.util.Optional;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;

/** How one release field's effective payload moves in an update, with the versions known for each side. */
record PayloadChange(ReleaseField field, Optional<PayloadImage> from, Optional<PayloadImage> to,
        Optional<ReleaseVersion> fromVersion, Optional<ReleaseVersion> toVersion) {

    enum Direction {
        UNCHANGED,
        SAME_VERSION,
        UNKNOWN,
        UPGRADE,
        DOWNGRADE
    }

    /** Versions of digests are looked up in the status the cluster had before the update. */
    static PayloadChange of(ReleaseField field, HostedCluster before, HostedCluster after) {
        if (field == ReleaseField.CONTROL_PLANE_RELEASE && after.controlPlaneReleaseImage().isEmpty()
                && (before == null || before.controlPlaneReleaseImage().isEmpty())) {
            // no override on either side: the control plane follows spec.release, which is judged already
            return new PayloadChange(field, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        Optional<PayloadImage> from = before == null ? Optional.empty() : field.effectiveImage(before);
        Optional<PayloadImage> to = field.effectiveImage(after);
        HostedCluster reporter = before == null ? after : before;
        return new PayloadChange(field, from, to, from.flatMap(reporter::versionOf), to.flatMap(reporter::versionOf));
    }

    Direction direction() {
        if (Objects.equals(from, to) || from.isEmpty() || to.isEmpty()) {
            // a payload that appears or disappears is HyperShift's own validation to judge
            return Direction.UNCHANGED;
        }
        if (fromVersion.isEmpty() || toVersion.isEmpty()) {
            return Direction.UNKNOWN;
        }
        int order = toVersion.get().compareTo(fromVersion.get());
        return order == 0 ? Direction.SAME_VERSION : order > 0 ? Direction.UPGRADE : Direction.DOWNGRADE;
    }

    String unknownVersionWarning() {
        PayloadImage unknown = fromVersion.isEmpty() ? from.get() : to.get();
        return "hcp-rollback: cannot tell the version of " + field.path() + " payload " + unknown
                + " (a digest this cluster has never reported); it is judged as a new payload, not as a downgrade";
    }

    String describe() {
        return field.path() + " moves from " + fromVersion.map(Object::toString).orElse("?") + " to "
                + toVersion.map(Object::toString).orElse("?");
    }
}
