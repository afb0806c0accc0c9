package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;


import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A real OCI registry (Debian's {@code docker-registry}, the CNCF distribution registry) on a loopback
 * port picked and retried by {@link Ports} (a restart after {@link #stopProcess()} takes the same port), in a
 * directory of its own: filesystem storage, TLS with a certificate of a throw-away
 * test CA, and htpasswd (bcrypt) authentication for one user. It pushes small images through the
 * registry's own v2 API, as a client would. {@link #close()} stops it and deletes its directory.
 */
public final class RegistryProcess implements AutoCloseable {

    public static final String USER = "release-puller";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    private final Path dir;
    private int port;
    private final String password = "pw-" + Long.toHexString(new SecureRandom().nextLong());
    private final TestCertificates authority;
    private final TestCertificates.Issued serverCertificate;
    private final HttpClient http;
    private Process process;
    private TokenService tokenService;
    private Process tokenRegistry;
    private int tokenRegistryPort;

    private RegistryProcess(Path dir) {
        this.dir = dir;
        this.authority = TestCertificates.newAuthority(dir.resolve("pki"), "test-registry-ca");
        TestCertificates.Issued server = authority.issue(dir.resolve("pki"), "registry", Duration.ofDays(1));
        this.serverCertificate = server;
        this.http = HttpClient.newBuilder().sslContext(authority.clientContext()).connectTimeout(Duration.ofSeconds(30)).build();
        try {
            Files.writeString(dir.resolve("htpasswd"), USER + ":"
                    + OpenBSDBCrypt.generate("2y", password.toCharArray(), new SecureRandom().generateSeed(16), 5) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This registry on {@code listenPort}: its configuration written, the process started. */
    private RegistryProcess listenOn(int listenPort) throws IOException {
        port = listenPort;
        Files.writeString(dir.resolve("config.yml"), config(port, """
                htpasswd:
                    realm: hcp-rollback-test
                    path: %s
                """.formatted(dir.resolve("htpasswd"))));
        startProcess();
        return this;
    }

    /** A registry configuration: loopback, TLS, this directory's storage, and the given {@code auth:} entry. */
    private String config(int listenPort, String auth) {
        return """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                  tls:
                    certificate: %s
                    key: %s
                auth:
                """.formatted(dir.resolve("storage"), listenPort, serverCertificate.certFile(), serverCertificate.keyFile())
                + auth.indent(2);
    }

    /** Starts a registry in a fresh temporary directory; the caller closes it. */
    public static RegistryProcess start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("test-registry");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RegistryProcess registry = null;
        try {
            RegistryProcess created = new RegistryProcess(dir);
            registry = created;
            return Ports.startRetryingOnBindFailure("docker-registry", 1, ports -> created.listenOn(ports[0]));
        } catch (RuntimeException failed) {
            if (registry != null) {
                registry.close();
            } else {
                deleteTree(dir);
            }
            throw failed;
        }
    }

    /** {@code 127.0.0.1:<port>}, as a pull spec and a pull secret name the registry. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public String password() {
        return password;
    }

    /** The CA that signed the registry's certificate, as a PEM file. */
    public Path caFile() {
        return authority.caFile();
    }

    /**
     * Starts the registry on its port (again, after {@link #stopProcess()}); returns once it listens.
     *
     * @throws Ports.AddressInUse when another process holds the port
     */
    public synchronized void startProcess() {
        if (process != null && process.isAlive()) {
            return;
        }
        process = Ports.launch("docker-registry", new ProcessBuilder(TestTools.dockerRegistry().toString(), "serve",
                dir.resolve("config.yml").toString()), dir.resolve("registry.log"), Duration.ofSeconds(120), port);
    }

    public synchronized void stopProcess() {
        TestTools.stop(process);
        process = null;
    }

    /**
     * Pushes a one-layer linux image whose config carries these labels, under a tag; returns the manifest
     * digest. The same architecture and labels make the same image, hence the same digest, in any repository.
     */
    public String pushImage(String repository, String tag, String architecture, Map<String, String> labels) {
        byte[] layer = ("a layer for " + architecture).getBytes(StandardCharsets.UTF_8);
        ObjectNode config = HostedClusters.JSON.createObjectNode();
        config.put("architecture", architecture).put("os", "linux");
        ObjectNode labelNode = config.putObject("config").putObject("Labels");
        new java.util.TreeMap<>(labels).forEach(labelNode::put);
        config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(sha256(layer));
        byte[] configBytes = config.toString().getBytes(StandardCharsets.UTF_8);
        pushBlob(repository, configBytes);
        pushBlob(repository, layer);

        ObjectNode manifest = HostedClusters.JSON.createObjectNode();
        manifest.put("schemaVersion", 2).put("mediaType", OCI_MANIFEST);
        manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", configBytes));
        manifest.putArray("layers").add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer));
        return pushManifest(repository, tag, OCI_MANIFEST, manifest.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Pushes an OCI image index of already pushed manifests, {@code digest → architecture}, in this order. */
    public String pushIndex(String repository, String tag, List<Map.Entry<String, String>> manifests) {
        ObjectNode index = HostedClusters.JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", OCI_INDEX);
        ArrayNode entries = index.putArray("manifests");
        for (Map.Entry<String, String> entry : manifests) {
            byte[] body = get("/v2/" + repository + "/manifests/" + entry.getKey(), OCI_MANIFEST);
            ObjectNode descriptor = descriptor(OCI_MANIFEST, body);
            descriptor.putObject("platform").put("os", "linux").put("architecture", entry.getValue());
            entries.add(descriptor);
        }
        return pushManifest(repository, tag, OCI_INDEX, index.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void pushBlob(String repository, byte[] blob) {
        HttpResponse<byte[]> started = send(HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()), 202);
        String location = started.headers().firstValue("Location").orElseThrow();
        URI upload = uri("/").resolve(location);
        URI put = URI.create(upload + (upload.getQuery() == null ? "?" : "&") + "digest=" + sha256(blob));
        send(HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)), 201);
    }

    private String pushManifest(String repository, String tag, String mediaType, byte[] body) {
        send(HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + tag)).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)), 201);
        return sha256(body);
    }

    private byte[] get(String path, String accept) {
        return send(HttpRequest.newBuilder(uri(path)).header("Accept", accept).GET(), 200).body();
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request, int expected) {
        String basic = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<byte[]> response = http.send(request.header("Authorization", "Basic " + basic)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != expected) {
                throw new IllegalStateException(response.request().method() + " " + response.uri() + " answered "
                        + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8));
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("https://" + host() + path);
    }

    private static ObjectNode descriptor(String mediaType, byte[] content) {
        ObjectNode descriptor = HostedClusters.JSON.createObjectNode();
        descriptor.put("mediaType", mediaType).put("digest", sha256(content)).put("size", content.length);
        return descriptor;
    }

    public static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A second registry over the same storage that authenticates as quay.io does: a 401 with
     * {@code WWW-Authenticate: Bearer realm=...}, and pull tokens (JWTs signed with a certificate it trusts) from a
     * token service that checks this registry's user and password. Started on first use; returns its host.
     */
    public synchronized String tokenAuthHost() {
        if (tokenRegistry != null) {
            return "127.0.0.1:" + tokenRegistryPort;
        }
        tokenService = TokenService.start(dir.resolve("token"), authority, serverCertificate, USER, password);
        Path config = dir.resolve("config-token.yml");
        tokenRegistry = Ports.startRetryingOnBindFailure("docker-registry with token auth", 1, ports -> {
            Files.writeString(config, config(ports[0], """
                    token:
                        realm: %s
                        service: %s
                        issuer: %s
                        rootcertbundle: %s
                    """.formatted(tokenService.realm(), TokenService.SERVICE, TokenService.ISSUER,
                    tokenService.signingCaFile())));
            tokenRegistryPort = ports[0];
            return Ports.launch("docker-registry with token auth", new ProcessBuilder(TestTools.dockerRegistry().toString(),
                    "serve", config.toString()), dir.resolve("registry-token.log"), Duration.ofSeconds(120), ports[0]);
        });
        return "127.0.0.1:" + tokenRegistryPort;
    }

    /** What the token service was asked, one line per request: {@code service=...&scope=... user=...}. */
    public List<String> tokenRequests() {
        return tokenService == null ? List.of() : tokenService.requests();
    }

    @Override
    public void close() {
        try {
            stopProcess();
            TestTools.stop(tokenRegistry);
            if (tokenService != null) {
                tokenService.close();
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
