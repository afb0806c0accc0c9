package dev.hcprollback.hypershift;

/** Evidence that a digest is a given version: a version history entry, or a snapshot that recorded both. */
public record KnownPayload(String digest, ReleaseVersion version, String source) {
}
