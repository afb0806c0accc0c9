package dev.hcprollback.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.registry.ReleaseImageLookup;
import dev.hcprollback.registry.ReleaseLookupException;

/**
 * Stands in for the registry lookup in webhook tests (the lookup itself is tested against a real
 * registry on its own): it knows a few digests, finds one image without the release label, and is
 * "down" for every other digest. It records what it was asked, pull secret included.
 */
public class FakeReleaseRegistry extends ReleaseImageLookup {

    /** The registry's image config says 4.18.5: an older payload the cluster never reported. */
    public static final char KNOWS_4_18_5 = 'b';
    /** The registry's image config says 4.18.7. */
    public static final char KNOWS_4_18_7 = 'a';
    /** The registry's image config says 4.18.9 (used by one test only: answers are cached per digest). */
    public static final char KNOWS_4_18_9 = '9';
    /** An image whose config carries no io.openshift.release label. */
    public static final char NO_LABEL = 'c';

    public record Call(String digest, String namespace, Optional<String> pullSecret) {
    }

    public final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

    private static final Map<String, String> KNOWN = Map.of(
            "sha256:" + String.valueOf(KNOWS_4_18_5).repeat(64), "4.18.5",
            "sha256:" + String.valueOf(KNOWS_4_18_7).repeat(64), "4.18.7",
            "sha256:" + String.valueOf(KNOWS_4_18_9).repeat(64), "4.18.9");

    @Override
    public Optional<ReleaseVersion> releaseVersion(PayloadImage payload, String namespace, Optional<String> pullSecretName) {
        String digest = payload.digest().orElseThrow();
        calls.add(new Call(digest, namespace, pullSecretName));
        if (KNOWN.containsKey(digest)) {
            return ReleaseVersion.parse(KNOWN.get(digest));
        }
        if (digest.equals("sha256:" + String.valueOf(NO_LABEL).repeat(64))) {
            return Optional.empty();
        }
        throw new ReleaseLookupException(ReleaseLookupException.Reason.UNREACHABLE, "registry quay.io did not answer within 2s");
    }
}
