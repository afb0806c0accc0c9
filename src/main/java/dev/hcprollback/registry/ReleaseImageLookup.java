package dev.hcprollback.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.net.EnvironmentProxy;
import dev.hcprollback.registry.ReleaseLookupException.Reason;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;

/**
 * Reads a release payload's version from the payload image itself, as {@code oc adm release info}
 * does: the manifest (OCI or Docker v2; an index or manifest list is followed to linux/amd64, else to
 * its first entry), then the config blob, whose {@code config.Labels["io.openshift.release"]} is the
 * version. Authenticates with the registry's entry in a {@code kubernetes.io/dockerconfigjson} pull
 * secret. Whatever is fetched by digest is checked against that digest, so a mirror cannot pass off
 * another image. Answers are cached per manifest digest (a digest's content never changes); failures
 * are never cached.
 *
 * <p>
 * Manifests and configs are read as JSON here, not with jib-core's templates (0.27.3): the image config's labels
 * have no public getter there ({@code ContainerConfigurationTemplate.getContainerLabels} is package-private), and
 * without jib's transport (see {@link RegistrySession}) the templates alone would add 15 jars, 2.75 MiB
 * (google-http-client, Apache HttpClient, OpenCensus, Gson, google-auth), for some 40 lines of JSON reading.
 */
@ApplicationScoped
public class ReleaseImageLookup {

    /** The label of a release payload's image config that carries its version (e.g. {@code 4.18.5}). */
    public static final String VERSION_LABEL = "io.openshift.release";

    /**
     * The name under which HyperShift copies a HostedCluster's pull secret into its control-plane namespace;
     * the sidecar's RBAC grants {@code get} on secrets of this name only.
     */
    public static final String HYPERSHIFT_PULL_SECRET = "pull-secret";

    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    private static final List<String> MANIFESTS = List.of(OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST);

    private static final Logger LOG = Logger.getLogger(ReleaseImageLookup.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A sha256 content digest, the only kind the lookup checks content against. */
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private KubernetesClient secrets;
    private HttpClient http;
    private Duration timeout;
    private boolean enabled = true;
    private Map<String, Optional<ReleaseVersion>> byDigest;

    /** For CDI's proxy only. */
    protected ReleaseImageLookup() {
    }

    @Inject
    public ReleaseImageLookup(KubernetesClient client, HcpRollbackConfig config) {
        this(client, config.registry().timeout(), config.registry().cacheSize(), config.registry().caFile().map(Path::of));
        this.enabled = config.registry().enabled();
    }

    /**
     * @param timeout limit for one whole lookup (pull secret, token, manifests, config blob)
     * @param cacheSize versions kept, by digest, least recently used dropped first
     * @param caFile PEM certificates trusted besides the JVM's default ones
     */
    public ReleaseImageLookup(KubernetesClient client, Duration timeout, int cacheSize, Optional<Path> caFile) {
        this(client, timeout, cacheSize, caFile, EnvironmentProxy.fromEnvironment());
    }

    /** As above, through the proxy {@code proxy} selects (the process environment's, in the sidecar). */
    public ReleaseImageLookup(KubernetesClient client, Duration timeout, int cacheSize, Optional<Path> caFile,
            ProxySelector proxy) {
        this.timeout = timeout;
        this.secrets = client.newClient(new RequestConfigBuilder().withRequestTimeout((int) timeout.toMillis())
                .withRequestRetryBackoffLimit(0).build()).adapt(KubernetesClient.class);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).proxy(proxy)
                .sslContext(sslContext(caFile)).build();
        this.byDigest = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Optional<ReleaseVersion>> eldest) {
                return size() > cacheSize;
            }
        });
    }

    /**
     * @return the release version the payload image's config carries (label io.openshift.release); empty if the image has no such label.
     * @throws ReleaseLookupException (unchecked, same package) when the registry cannot answer in time, refuses the credentials, or has no such image; the message says which.
     */
    public Optional<ReleaseVersion> releaseVersion(PayloadImage payload, String namespace, Optional<String> pullSecretName) {
        if (!enabled) {
            throw new ReleaseLookupException(Reason.DISABLED, "registry lookups are turned off (hcp-rollback.registry.enabled=false)");
        }
        PayloadImage image = payload;
        if (image.pullSpec().contains("@") && image.digest().filter(d -> DIGEST.matcher(d).matches()).isEmpty()) {
            throw new ReleaseLookupException(Reason.UNREADABLE, payload + ": only sha256 digests are supported");
        }
        if (image.repositoryPath().isEmpty()) {
            throw new ReleaseLookupException(Reason.UNREADABLE, payload + " names no repository");
        }
        if (image.digest().isPresent() && byDigest.containsKey(image.digest().get())) {
            return byDigest.get(image.digest().get());
        }
        PullSecret pullSecret = pullSecretName.map(name -> pullSecret(namespace, name)).orElse(PullSecret.none());
        RegistrySession registry = new RegistrySession(http, image.registry(), image.repositoryPath(),
                pullSecret.forRegistry(image.registry()), pullSecret.source(), timeout);

        HttpResponse<byte[]> top = registry.get("manifests", image.digest().or(image::tag).orElse("latest"), MANIFESTS);
        String topDigest = checkedDigest(top.body(), image.digest(), payload);
        JsonNode manifest = json(top.body(), payload, "manifest");
        if (isIndex(top, manifest)) {
            String chosen = platformManifest(manifest, payload);
            manifest = json(checked(registry.get("manifests", chosen, MANIFESTS).body(), chosen, payload), payload,
                    "manifest " + chosen);
        }
        String configDigest = manifest.at("/config/digest").asText("");
        if (!DIGEST.matcher(configDigest).matches()) {
            throw new ReleaseLookupException(Reason.UNREADABLE, payload + ": the manifest names no sha256 config blob");
        }
        JsonNode config = json(checked(registry.get("blobs", configDigest, List.of()).body(), configDigest, payload),
                payload, "image config");
        Optional<ReleaseVersion> version = version(config, payload);
        byDigest.put(topDigest, version);
        LOG.debugf("%s (%s) is release %s", payload, topDigest, version.map(Object::toString).orElse("(no label)"));
        return version;
    }

    private PullSecret pullSecret(String namespace, String name) {
        Secret secret;
        try {
            secret = secrets.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException unreadable) {
            throw new ReleaseLookupException(Reason.PULL_SECRET, "pull secret " + namespace + "/" + name
                    + " could not be read: " + unreadable.getMessage(), unreadable);
        }
        if (secret == null) {
            throw new ReleaseLookupException(Reason.PULL_SECRET, "pull secret " + namespace + "/" + name + " does not exist");
        }
        return PullSecret.of(secret);
    }

    private static Optional<ReleaseVersion> version(JsonNode config, PayloadImage payload) {
        JsonNode label = config.path("config").path("Labels").path(VERSION_LABEL);
        if (label.isMissingNode() || label.isNull()) {
            return Optional.empty();
        }
        return Optional.of(ReleaseVersion.parse(label.asText()).orElseThrow(() -> new ReleaseLookupException(
                Reason.UNREADABLE, payload + ": label " + VERSION_LABEL + " is '" + label.asText()
                        + "', not a release version")));
    }

    private static boolean isIndex(HttpResponse<byte[]> response, JsonNode manifest) {
        String mediaType = manifest.path("mediaType").asText(response.headers().firstValue("Content-Type").orElse(""));
        return mediaType.startsWith(OCI_INDEX) || mediaType.startsWith(DOCKER_LIST)
                || (manifest.has("manifests") && !manifest.has("config"));
    }

    /** linux/amd64 (the payloads a management cluster runs), else the first entry. */
    private static String platformManifest(JsonNode index, PayloadImage payload) {
        JsonNode entries = index.path("manifests");
        if (!entries.isArray() || entries.isEmpty()) {
            throw new ReleaseLookupException(Reason.UNREADABLE, payload + ": the image index lists no manifests");
        }
        JsonNode chosen = entries.get(0);
        for (JsonNode entry : entries) {
            if ("linux".equals(entry.at("/platform/os").asText()) && "amd64".equals(entry.at("/platform/architecture").asText())) {
                chosen = entry;
                break;
            }
        }
        String digest = chosen.path("digest").asText("");
        if (!DIGEST.matcher(digest).matches()) {
            throw new ReleaseLookupException(Reason.UNREADABLE, payload + ": an image index entry has no sha256 digest");
        }
        return digest;
    }

    /** The digest of a manifest as fetched: the one asked for (checked), else its own sha256. */
    private static String checkedDigest(byte[] body, Optional<String> expected, PayloadImage payload) {
        if (expected.isPresent()) {
            checked(body, expected.get(), payload);
            return expected.get();
        }
        return sha256(body);
    }

    private static byte[] checked(byte[] body, String digest, PayloadImage payload) {
        if (!sha256(body).equals(digest)) {
            throw new ReleaseLookupException(Reason.UNREADABLE, payload + ": the registry's content for " + digest
                    + " does not match that digest");
        }
        return body;
    }

    private static String sha256(byte[] body) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static JsonNode json(byte[] body, PayloadImage payload, String what) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new ReleaseLookupException(Reason.UNREADABLE, payload + ": the " + what + " is not a JSON object");
            }
            return node;
        } catch (IOException notJson) {
            throw new ReleaseLookupException(Reason.UNREADABLE, payload + ": the " + what + " is not JSON", notJson);
        }
    }

    private static SSLContext sslContext(Optional<Path> caFile) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            if (caFile.isEmpty()) {
                context.init(null, null, null);
                return context;
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int n = 0;
            for (var manager : defaults.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate ca : x509.getAcceptedIssuers()) {
                        trusted.setCertificateEntry("default-" + n++, ca);
                    }
                }
            }
            try (InputStream pem = Files.newInputStream(caFile.get())) {
                for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
                    trusted.setCertificateEntry("extra-" + n++, ca);
                }
            }
            TrustManagerFactory all = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            all.init(trusted);
            context.init(null, all.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException unreadable) {
            throw new IllegalStateException("hcp-rollback.registry.ca-file " + caFile.orElse(null)
                    + " cannot be read as PEM certificates: " + unreadable.getMessage(), unreadable);
        }
    }
}
