package dev.hcprollback.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.Awaitility;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The install, applied to a {@link KubeApiServer} the way a user applies it: what {@code kubectl kustomize
 * manifests/base} renders, server-side applied by a cluster administrator, with HyperShift's own CRDs beside it.
 * The webhooks get their CA as manifests/README.md tells a user without OpenShift or cert-manager to give it: the
 * overlay written there, rendered with the test CA and serving certificate. The one change is the documented one
 * for a sidecar outside the cluster (README, "Run it on your machine"): each webhook's {@code clientConfig.service}
 * becomes a {@code url} on 127.0.0.1. Every {@code caBundle}, {@code matchCondition}, {@code failurePolicy}, timeout
 * and rule stays as rendered, so a webhook the documented step left without its CA fails every call to it.
 *
 * <p>Rendering is {@link Kustomize}'s. The {@code PrometheusRule} and the {@code ServiceMonitor} are left out: they
 * need the Prometheus Operator's CRDs, which this server lacks (the ConfigMap the ServiceMonitor reads its CA from is
 * applied, as any other object).
 */
public final class Install {

    public static final Path BASE = Path.of("manifests", "base");
    public static final String NAMESPACE = "hcp-rollback";
    public static final String SERVICE_ACCOUNT = "hcp-rollback";
    public static final String WEBHOOK_CONFIGURATION = "hcp-rollback";
    /** The field manager of every apply here: what {@code kubectl apply --server-side} uses. */
    public static final String FIELD_MANAGER = "kubectl";

    public static final Path README = Path.of("manifests", "README.md");
    /** {@code cat > kustomization.yaml <<EOF} (or {@code <<'EOF'}) up to the line {@code EOF}: the quote, the text. */
    private static final Pattern HEREDOC = Pattern.compile("cat > kustomization\\.yaml <<('?)EOF'?\\n(.*?\\n)EOF\\n",
            Pattern.DOTALL);
    private static final Set<String> NEEDS_MONITORING_CRDS = Set.of("PrometheusRule", "ServiceMonitor");

    private Install() {
    }

    /** The objects {@code kubectl kustomize manifests/base} renders, as YAML trees. */
    public static List<ObjectNode> renderBase() {
        return Kustomize.render(BASE);
    }

    /**
     * Applies HyperShift's CRDs and everything the base renders but the webhook configuration, and waits until
     * every CRD is established. Idempotent: a second call changes nothing.
     */
    public static void applyAllButWebhooks(KubeApiServer server) {
        applyAllButWebhooks(server, true);
    }

    /**
     * As {@link #applyAllButWebhooks(KubeApiServer)}, with HyperShift's CRDs only when {@code withHyperShift}: a
     * management cluster where HyperShift is not installed (yet).
     */
    public static void applyAllButWebhooks(KubeApiServer server, boolean withHyperShift) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            List<HasMetadata> crds = new ArrayList<>(withHyperShift ? hyperShiftCrds(admin) : List.of());
            List<HasMetadata> rest = new ArrayList<>();
            for (ObjectNode object : renderBase()) {
                String kind = object.path("kind").asText();
                if (NEEDS_MONITORING_CRDS.contains(kind) || "ValidatingWebhookConfiguration".equals(kind)) {
                    continue;
                }
                HasMetadata resource = toResource(admin, object);
                (resource instanceof CustomResourceDefinition ? crds : rest).add(resource);
            }
            applyCrds(admin, crds);
            rest.forEach(resource -> apply(admin, resource));
        }
    }

    /** Applies HyperShift's own CRDs, as installing HyperShift does, and waits until each is established. */
    public static void applyHyperShiftCrds(KubeApiServer server) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            applyCrds(admin, hyperShiftCrds(admin));
        }
    }

    /**
     * Applies other projects' CRDs kept as test resources ({@code src/test/resources/real-api-server/crds}, with their
     * sources in the README there), as installing those projects does, and waits until each is established.
     *
     * @param files file names in that folder, e.g. {@code cert-manager.io_certificates.yaml}
     */
    public static void applyOtherProjectsCrds(KubeApiServer server, String... files) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            List<HasMetadata> crds = new ArrayList<>();
            for (String file : files) {
                try (InputStream in = Install.class.getResourceAsStream("/real-api-server/crds/" + file)) {
                    if (in == null) {
                        throw new IllegalStateException("no test resource real-api-server/crds/" + file);
                    }
                    crds.add(admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
                }
            }
            applyCrds(admin, crds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Applies HyperShift's HostedCluster CRD of its TechPreviewNoUpgrade feature set ({@link TestTools#hyperShiftTechPreviewCrds}),
     * as a management cluster with TechPreview features on has it, and waits until it is established. The other
     * tests of the JVM are unaffected: its schema accepts every object the Default set does.
     */
    public static void applyTechPreviewHostedClusterCrd(KubeApiServer server) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            applyCrds(admin, crdsIn(admin, TestTools.hyperShiftTechPreviewCrds(), "hostedclusters-"));
        }
    }

    /** Applies {@code crds} and waits until each is established. */
    public static void applyCrds(KubernetesClient admin, List<? extends HasMetadata> crds) {
        crds.forEach(crd -> apply(admin, crd));
        for (HasMetadata crd : crds) {
            Awaitility.await(crd.getMetadata().getName() + " established").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200)).until(() -> established(admin, crd.getMetadata().getName()));
        }
    }

    /**
     * Installs the webhooks' certificate the way manifests/README.md says ({@link #documentedCaOverlay}: the Secret
     * the pods mount, and {@code caBundle} on the webhooks), the webhooks pointed at a sidecar outside the cluster
     * as the README tells a user to: each webhook's service replaced by {@code https://127.0.0.1:<httpsPort><path>}.
     *
     * @param workDir where the overlay is written ({@code <workDir>/my-install}), emptied first
     */
    public static void applyWebhooks(KubeApiServer server, int httpsPort, Path workDir, String caPem,
            TestCertificates.Issued serving) {
        List<ObjectNode> rendered = Kustomize.render(documentedCaOverlay(workDir, caPem, serving));
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            for (ObjectNode object : rendered) {
                String kind = object.path("kind").asText();
                if ("Secret".equals(kind)) {
                    apply(admin, toResource(admin, object));
                } else if ("ValidatingWebhookConfiguration".equals(kind)) {
                    apply(admin, toResource(admin, routedTo(object, httpsPort)));
                }
            }
        }
    }

    /** Removes the webhook configuration, so that a stopped sidecar's fail-closed webhooks block nobody. */
    public static void deleteWebhooks(KubeApiServer server) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            admin.admissionRegistration().v1().validatingWebhookConfigurations().withName(WEBHOOK_CONFIGURATION).delete();
        }
    }

    /** {@code configuration} with each webhook's service replaced by its URL on 127.0.0.1, as the README says. */
    private static ObjectNode routedTo(ObjectNode configuration, int httpsPort) {
        for (JsonNode webhook : configuration.path("webhooks")) {
            ObjectNode clientConfig = (ObjectNode) webhook.path("clientConfig");
            String path = clientConfig.path("service").path("path").asText();
            clientConfig.remove("service");
            clientConfig.put("url", "https://127.0.0.1:" + httpsPort + path);
        }
        return configuration;
    }

    /**
     * The overlay manifests/README.md has a user write for the webhooks' certificate without OpenShift or
     * cert-manager, laid out as the README says (a folder {@code my-install} beside {@code manifests}): its
     * {@code kustomization.yaml} exactly as the README's {@code cat > kustomization.yaml <<EOF} block writes it (with
     * {@code CA_BUNDLE}, should the block use it, as base64 of the CA as the README computes it), the CA as
     * {@code ca.crt}, the serving certificate and key as {@code tls.crt} and {@code tls.key}.
     *
     * @param workDir emptied, then holding {@code my-install/} and {@code manifests} (a link to this repository's)
     * @return the folder {@code my-install}, to render
     * @throws IllegalStateException when the README holds no such block
     */
    public static Path documentedCaOverlay(Path workDir, String caPem, TestCertificates.Issued serving) {
        Matcher block = HEREDOC.matcher(readme());
        if (!block.find()) {
            throw new IllegalStateException(README + " has no 'cat > kustomization.yaml <<EOF' block for the certificate");
        }
        String text = block.group(2);
        if (block.group(1).isEmpty()) {
            // an unquoted here-document expands variables, as the shell would
            text = text.replace("${CA_BUNDLE}", Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            TestTools.deleteRecursively(workDir);
            Path overlay = Files.createDirectories(workDir.resolve("my-install"));
            Files.createSymbolicLink(workDir.resolve("manifests"), BASE.getParent().toAbsolutePath());
            Files.writeString(overlay.resolve("kustomization.yaml"), text);
            Files.writeString(overlay.resolve("ca.crt"), caPem);
            Files.writeString(overlay.resolve("tls.crt"), serving.certPem());
            Files.writeString(overlay.resolve("tls.key"), serving.keyPem());
            return overlay;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readme() {
        try {
            return Files.readString(README);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A token of the sidecar's service account, issued by the server (TokenRequest), valid for an hour. */
    public static String sidecarToken(KubeApiServer server) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build();
            return admin.serviceAccounts().inNamespace(NAMESPACE).withName(SERVICE_ACCOUNT).tokenRequest(request)
                    .getStatus().getToken();
        }
    }

    /** Binds {@code hcp-rollback-requester} to the SRE group, as README's "How an SRE rolls a cluster back" says. */
    public static void bindRequesterRole(KubeApiServer server) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            apply(admin, new ClusterRoleBindingBuilder().withNewMetadata().withName("sre-rollback").endMetadata()
                    .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                    .withName("hcp-rollback-requester").endRoleRef()
                    .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
                    .withName(RbacSimulator.SRE_GROUP).endSubject().build());
        }
    }

    /** Server-side apply as {@code kubectl apply --server-side --force-conflicts} does. */
    public static <T extends HasMetadata> T apply(KubernetesClient client, T resource) {
        resource.getMetadata().setResourceVersion(null);
        return client.resource(resource).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    private static List<HasMetadata> hyperShiftCrds(KubernetesClient admin) {
        return crdsIn(admin, TestTools.hyperShiftCrds(), "");
    }

    private static List<HasMetadata> crdsIn(KubernetesClient admin, Path dir, String prefix) {
        try (Stream<Path> files = Files.list(dir)) {
            List<HasMetadata> crds = new ArrayList<>();
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.toString().endsWith(".yaml"))
                    .sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    crds.add(admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
                }
            }
            return crds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean established(KubernetesClient admin, String name) {
        CustomResourceDefinition crd = admin.apiextensions().v1().customResourceDefinitions().withName(name).get();
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                        .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static HasMetadata toResource(KubernetesClient client, JsonNode object) {
        HasMetadata resource = client.getKubernetesSerialization().unmarshal(object.toString());
        if (resource instanceof GenericKubernetesResource generic) {
            throw new IllegalStateException("no model class for " + generic.getKind() + " " + generic.getMetadata().getName());
        }
        return resource;
    }

}
