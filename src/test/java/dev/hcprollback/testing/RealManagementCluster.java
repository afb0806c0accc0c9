package dev.hcprollback.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * A management cluster for the packaged sidecar on a real API server: {@link KubeApiServer#shared()} with the
 * install applied ({@link Install}), the users of {@link TestUser} holding what {@code real-api-server/users.yaml}
 * grants them, and sidecars started as their own processes with a real service-account token. The webhook
 * configuration, as shipped, points at one sidecar once {@link #routeWebhooksTo} is called, and is removed on
 * {@link #close()} so that no fail-closed webhook outlives its sidecar. {@link #close()} then deletes what the test
 * left in the namespaces it created and in their HostedClusters' control-plane namespaces (finalizers dropped: no
 * controller is left to remove them), so that the sidecars of later tests in the JVM find nothing of it; the
 * namespaces themselves stay, since without a namespace controller a deleted one never finishes terminating.
 */
public final class RealManagementCluster implements AutoCloseable {

    private static boolean installed;

    private final KubeApiServer server;
    private final Path workDir;
    private final TestCertificates.Issued serving;
    private final TestCertificates authority;
    private final List<SidecarProcess> sidecars = new ArrayList<>();
    private final Set<String> namespaces = new LinkedHashSet<>();
    private boolean webhooksRouted;

    private RealManagementCluster(KubeApiServer server, Path workDir, TestCertificates authority, TestCertificates.Issued serving) {
        this.server = server;
        this.workDir = workDir;
        this.authority = authority;
        this.serving = serving;
    }

    /** The shared API server with the install applied (once per JVM); sidecars' files go to {@code workDir}. */
    public static RealManagementCluster start(Path workDir) {
        KubeApiServer server = KubeApiServer.shared();
        installOnce(server);
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestCertificates authority = TestCertificates.newAuthority(workDir.resolve("tls"), "hcp-rollback-ca");
        return new RealManagementCluster(server, workDir, authority,
                authority.issue(workDir.resolve("tls"), "webhook", Duration.ofHours(12)));
    }

    /**
     * For a test class: {@code target/<name>/} emptied for the sidecars' files, the shared server with the install,
     * and {@code namespaces} created as {@link #createNamespace} does.
     */
    public static RealManagementCluster fresh(String name, String... namespaces) {
        Path dir = Path.of("target", name);
        TestTools.deleteRecursively(dir);
        RealManagementCluster cluster = start(dir);
        for (String namespace : namespaces) {
            cluster.createNamespace(namespace);
        }
        return cluster;
    }

    /**
     * A management cluster on a server of the test's own where HyperShift is not installed yet: the install applied
     * as on the shared one, but without HyperShift's CRDs ({@link Install#applyHyperShiftCrds} adds them later).
     */
    public static RealManagementCluster withoutHyperShift(KubeApiServer server, Path workDir) {
        install(server, false);
        TestCertificates authority = TestCertificates.newAuthority(workDir.resolve("tls"), "hcp-rollback-ca");
        return new RealManagementCluster(server, workDir, authority,
                authority.issue(workDir.resolve("tls"), "webhook", Duration.ofHours(12)));
    }

    private static synchronized void installOnce(KubeApiServer server) {
        if (installed) {
            return;
        }
        install(server, true);
        installed = true;
    }

    private static void install(KubeApiServer server, boolean withHyperShift) {
        Install.applyAllButWebhooks(server, withHyperShift);
        Install.bindRequesterRole(server);
        try (KubernetesClient admin = server.client(TestUser.ADMIN);
                InputStream users = RealManagementCluster.class.getResourceAsStream("/real-api-server/users.yaml")) {
            for (HasMetadata resource : admin.load(users).items()) {
                Install.apply(admin, resource);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public KubeApiServer server() {
        return server;
    }

    /** A client acting as {@code user}; close it. */
    public KubernetesClient client(TestUser user) {
        return server.client(user);
    }

    /** Creates a namespace for a test (as the administrator) and lets the customer administer its HostedClusters. */
    public void createNamespace(String namespace) {
        synchronized (namespaces) {
            namespaces.add(namespace);
        }
        try (KubernetesClient admin = client(TestUser.ADMIN)) {
            Install.apply(admin, new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build());
            Install.apply(admin, new RoleBindingBuilder().withNewMetadata().withName("customer-admin").withNamespace(namespace)
                    .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                    .withName("test-customer-admin").endRoleRef()
                    .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                    .withName(TestUser.CUSTOMER.username).endSubject().build());
        }
    }

    /**
     * Starts the packaged sidecar as the service account {@code hcp-rollback:hcp-rollback} (a token the server
     * issued), serving this cluster's webhook certificate, and waits until it is ready.
     */
    public SidecarProcess startSidecar(String name, Map<String, String> extraConfig) throws IOException, InterruptedException {
        SidecarProcess sidecar = launchSidecar(name, extraConfig);
        sidecar.awaitReady(Duration.ofSeconds(180));
        return sidecar;
    }

    /** As {@link #startSidecar}, but returns once the sidecar listens, ready or not. */
    public SidecarProcess launchSidecar(String name, Map<String, String> extraConfig) throws IOException {
        Map<String, String> config = sidecarSettings(server, name, serving.certFile(), serving.keyFile());
        config.putAll(extraConfig);
        SidecarProcess sidecar = SidecarProcess.start(Files.createDirectories(workDir.resolve(name)), config);
        synchronized (sidecars) {
            sidecars.add(sidecar);
        }
        return sidecar;
    }

    /**
     * The settings of a sidecar named {@code name} on {@code server}: the service account {@code hcp-rollback:hcp-rollback}
     * (a token the server issued), its namespace, and the serving certificate and key files (as a pod mounts them).
     */
    public static Map<String, String> sidecarSettings(KubeApiServer server, String name, Path certFile, Path keyFile) {
        Map<String, String> config = new LinkedHashMap<>(server.sidecarConfig(Install.sidecarToken(server)));
        config.put("quarkus.kubernetes-client.namespace", Install.NAMESPACE);
        config.put("hcp-rollback.tls.cert-file", certFile.toAbsolutePath().toString());
        config.put("hcp-rollback.tls.key-file", keyFile.toAbsolutePath().toString());
        // the API server records the user agent as the field manager of each write: which replica wrote what
        config.put("kubernetes.user.agent", userAgent(name));
        return config;
    }

    /**
     * The user agent of the sidecar started as {@code name}: the field manager the API server records for its writes
     * that name none (those of the rollback and its trigger), so that the managed fields tell which replica wrote.
     */
    public static String userAgent(String name) {
        return "hcp-rollback-" + name;
    }

    /**
     * Applies the shipped webhook configuration with its CA given as manifests/README.md says, every webhook
     * pointed at this sidecar.
     */
    public void routeWebhooksTo(SidecarProcess sidecar) {
        Install.applyWebhooks(server, sidecar.httpsPort, workDir.resolve("ca-overlay"), authority.caPem(), serving);
        webhooksRouted = true;
    }

    @Override
    public void close() {
        if (webhooksRouted) {
            Install.deleteWebhooks(server);
        }
        synchronized (sidecars) {
            sidecars.forEach(SidecarProcess::close);
        }
        synchronized (namespaces) {
            deleteObjectsIn(namespaces);
        }
    }

    /** The kinds a test leaves in its namespaces, the HostedCluster first (its control-plane namespace is read from it). */
    private static final List<Class<? extends HasMetadata>> LEFT_BEHIND = List.of(HostedCluster.class, NodePool.class,
            ControlPlaneRollback.class, ControlPlaneUpdate.class, ControlPlaneSnapshot.class, Deployment.class,
            StatefulSet.class, Job.class, Pod.class, PersistentVolumeClaim.class, Secret.class, ConfigMap.class,
            NetworkPolicy.class);

    private void deleteObjectsIn(Set<String> created) {
        try (KubernetesClient admin = client(TestUser.ADMIN)) {
            Set<String> all = new LinkedHashSet<>(created);
            for (String namespace : created) {
                admin.resources(HostedCluster.class).inNamespace(namespace).list().getItems()
                        .forEach(cluster -> all.add(cluster.controlPlaneNamespace()));
            }
            for (String namespace : all) {
                for (Class<? extends HasMetadata> kind : LEFT_BEHIND) {
                    for (HasMetadata object : admin.resources(kind).inNamespace(namespace).list().getItems()) {
                        if (object.getMetadata().getFinalizers() != null && !object.getMetadata().getFinalizers().isEmpty()) {
                            admin.resources(kind).inNamespace(namespace).withName(object.getMetadata().getName())
                                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
                        }
                        admin.resources(kind).inNamespace(namespace).withName(object.getMetadata().getName()).delete();
                    }
                }
            }
        } catch (RuntimeException e) {
            // a failed clean-up must not hide the test's own outcome; later tests use other namespaces
            System.err.println("could not delete every object the test left in " + created + ": " + e);
        }
    }
}
