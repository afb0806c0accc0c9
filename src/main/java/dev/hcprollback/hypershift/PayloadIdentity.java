package dev.hcprollback.hypershift;

import java.util.Optional;

/**
 * A payload as far as it is known: its pull spec, its digest (from the pull spec or from a record
 * that names it) and its version. Two identities name the same payload when both digests are known
 * and equal, whatever the repository; when either digest is unknown, when both versions are known
 * and equal. Nothing else counts: two pull specs of unknown version and digest are not the same payload.
 */
public record PayloadIdentity(PayloadImage image, Optional<String> digest, Optional<ReleaseVersion> version) {

    public static PayloadIdentity of(PayloadImage image, Optional<ReleaseVersion> version) {
        return new PayloadIdentity(image, image.digest(), version);
    }

    public boolean isSamePayloadAs(PayloadIdentity other) {
        if (digest.isPresent() && other.digest.isPresent()) {
            return digest.equals(other.digest);
        }
        return version.isPresent() && version.equals(other.version);
    }

    /** A stable key for grouping: the digest, else the version, else the pull spec. */
    public String groupingKey() {
        return digest.orElseGet(() -> version.map(v -> "version:" + v).orElse("image:" + image.pullSpec()));
    }

    @Override
    public String toString() {
        return image + version.map(v -> " (" + v + ")").orElse("");
    }
}
