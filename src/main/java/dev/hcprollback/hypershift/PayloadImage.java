package dev.hcprollback.hypershift;

import java.util.Optional;

/**
 * A release payload pull spec, by tag ({@code quay.io/openshift-release-dev/ocp-release:4.18.6-x86_64})
 * or by digest ({@code ...@sha256:<hex>}). Only a tag carries a version; a digest has to be looked up
 * in the cluster's version history.
 */
public record PayloadImage(String pullSpec) {

    public PayloadImage {
        if (pullSpec == null || pullSpec.isBlank()) {
            throw new IllegalArgumentException("a payload pull spec must not be blank");
        }
    }

    public static Optional<PayloadImage> of(String pullSpec) {
        return pullSpec == null || pullSpec.isBlank() ? Optional.empty() : Optional.of(new PayloadImage(pullSpec));
    }

    public boolean isDigest() {
        return pullSpec.contains("@");
    }

    public Optional<String> tag() {
        if (isDigest()) {
            return Optional.empty();
        }
        int colon = pullSpec.lastIndexOf(':');
        return colon > pullSpec.lastIndexOf('/') ? Optional.of(pullSpec.substring(colon + 1)) : Optional.empty();
    }

    public Optional<ReleaseVersion> versionFromTag() {
        return tag().flatMap(ReleaseVersion::parse);
    }

    @Override
    public String toString() {
        return pullSpec;
    }
}
