package dev.hcprollback.hypershift;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A release payload pull spec, parsed once: {@code [registry/]repository[:tag][@digest]}, for example
 * {@code quay.io/openshift-release-dev/ocp-release:4.18.6-x86_64},
 * {@code quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:<hex>} or both at once
 * ({@code name:tag@digest}). When a digest is present it is what runs; the tag is then only a label.
 *
 * <p>
 * Equality of two instances is equality of their spelling. Whether two pull specs name the same
 * payload is a different question, answered by {@link PayloadIdentity#isSamePayloadAs}: by digest
 * whatever the repository (mirrors), else by version.
 *
 * <p>
 * Parsed here rather than by jib-core's {@code ImageReference.parse} (observed with 0.27.3 on the pull specs of
 * {@code PayloadImageTest}): it throws on spellings a HostedCluster may carry and this type takes as written
 * ({@code localhost/release@not-a-digest}, a {@code sha512:} digest, an upper-case path), reports tag
 * {@code latest} where none is written ({@code registry.example.com:5000/ocp/release}) and names Docker Hub
 * {@code registry-1.docker.io} ({@code busybox:1.36}); each needed a fallback or an undoing around it.
 */
public final class PayloadImage {

    /** {@code algorithm:encoded} as the OCI image spec defines a digest. */
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern SPEC = Pattern.compile("^([^@]+?)(?::([^:/@]+))?(?:@(.+))?$");

    private final String pullSpec;
    private final String repository;
    private final Optional<String> tag;
    private final Optional<String> digest;

    public PayloadImage(String pullSpec) {
        if (pullSpec == null || pullSpec.isBlank()) {
            throw new IllegalArgumentException("a payload pull spec must not be blank");
        }
        this.pullSpec = pullSpec;
        Matcher parts = SPEC.matcher(pullSpec.trim());
        if (parts.matches()) {
            this.repository = parts.group(1);
            this.tag = Optional.ofNullable(parts.group(2)).filter(t -> TAG.matcher(t).matches());
            this.digest = Optional.ofNullable(parts.group(3)).filter(d -> DIGEST.matcher(d).matches());
        } else {
            this.repository = pullSpec.trim();
            this.tag = Optional.empty();
            this.digest = Optional.empty();
        }
    }

    private static final ParseCache<Optional<PayloadImage>> PARSED = new ParseCache<>(1024,
            pullSpec -> Optional.of(new PayloadImage(pullSpec)));

    public static Optional<PayloadImage> of(String pullSpec) {
        return pullSpec == null || pullSpec.isBlank() ? Optional.empty() : PARSED.get(pullSpec);
    }

    /** The pull spec as written. */
    public String pullSpec() {
        return pullSpec;
    }

    /** Registry host and repository path, without tag or digest: {@code quay.io/openshift-release-dev/ocp-release}. */
    public String repository() {
        return repository;
    }

    /**
     * The registry host (with its port, if any) the repository is pulled from: the first path element
     * when it names a host (it has a dot or a port, or is {@code localhost}), else Docker Hub's
     * {@code docker.io}, as container runtimes resolve short names.
     */
    public String registry() {
        String first = repository.contains("/") ? repository.substring(0, repository.indexOf('/')) : "";
        return namesHost(first) ? first : "docker.io";
    }

    /** The repository path within {@link #registry()}: {@code openshift-release-dev/ocp-release}. */
    public String repositoryPath() {
        int slash = repository.indexOf('/');
        if (slash >= 0 && namesHost(repository.substring(0, slash))) {
            return repository.substring(slash + 1);
        }
        return slash < 0 ? "library/" + repository : repository;
    }

    private static boolean namesHost(String element) {
        return element.contains(".") || element.contains(":") || element.equals("localhost");
    }

    /** The tag, when the pull spec has one ({@code 4.18.6-x86_64}); a tag is only a label when a digest is present. */
    public Optional<String> tag() {
        return tag;
    }

    /** The content digest ({@code sha256:<64 hex>}), when the pull spec names one: the identity of what runs. */
    public Optional<String> digest() {
        return digest;
    }

    public boolean isDigest() {
        return digest.isPresent();
    }

    /**
     * The version a tag-only pull spec names. Empty for a pull spec with a digest, even one that also
     * carries a tag: the digest is what runs, and a tag beside it may say anything.
     */
    public Optional<ReleaseVersion> versionFromTag() {
        return digest.isPresent() ? Optional.empty() : tag.flatMap(ReleaseVersion::parse);
    }

    /** True when both name the same digest, whatever the repository (a mirror serves the same content). */
    public boolean sameDigestAs(PayloadImage other) {
        return digest.isPresent() && digest.equals(other.digest);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PayloadImage image && pullSpec.equals(image.pullSpec);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pullSpec);
    }

    @Override
    public String toString() {
        return pullSpec;
    }
}
