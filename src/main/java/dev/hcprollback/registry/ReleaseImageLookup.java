package dev.hcprollback.registry;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;

/**
 * Reads a release payload's version from its registry: the image config's label
 * {@code io.openshift.release}. Placeholder until the registry client lands: it always reports that
 * no registry lookup is configured, so a payload whose version nothing else tells stays unknown.
 */
@ApplicationScoped
public class ReleaseImageLookup {

    /**
     * @return the release version the payload image's config carries (label io.openshift.release); empty if the image has no such label.
     * @throws ReleaseLookupException (unchecked, same package) when the registry cannot answer in time, refuses the credentials, or has no such image; the message says which.
     */
    public Optional<ReleaseVersion> releaseVersion(PayloadImage payload, String namespace, Optional<String> pullSecretName) {
        throw new ReleaseLookupException("registry lookup is not configured");
    }
}
