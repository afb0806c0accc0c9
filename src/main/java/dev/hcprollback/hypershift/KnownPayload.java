package dev.hcprollback.hypershift;

import java.util.Collection;
import java.util.Optional;

/** Evidence that a digest is a given version: a version history entry, or a snapshot that recorded both. */
public record KnownPayload(String digest, ReleaseVersion version, String source) {

    /** The version the evidence gives the digest of {@code image}; empty for a pull spec without a digest. */
    public static Optional<ReleaseVersion> versionOf(PayloadImage image, Collection<KnownPayload> evidence) {
        return image.digest().flatMap(digest -> evidence.stream().filter(known -> known.digest().equals(digest))
                .map(KnownPayload::version).findFirst());
    }
}
