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
import java.util.stream.Stream;

import org.awaitility.Awaitility;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

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
 * The one change is the documented one for a sidecar outside the cluster (README, "Run it on your machine"): each
 * webhook's {@code clientConfig.service} becomes a {@code url} on 127.0.0.1 with the test CA as {@code caBundle}.
 * Every {@code matchCondition}, {@code failurePolicy}, timeout and rule stays as shipped.
 *
 * <p>The base's kustomization is a plain list of resources (no patches, no transformers), which this renders in
 * order; it refuses a kustomization that does more, rather than apply something else than kustomize would.
 * The {@code PrometheusRule} is left out: it needs the Prometheus Operator's CRD, which this server lacks.
 */
public final class Install {

    public static final Path BASE = Path.of("manifests", "base");
    public static final String NAMESPACE = "hcp-rollback";
    public static final String SERVICE_ACCOUNT = "hcp-rollback";
    public static final String WEBHOOK_CONFIGURATION = "hcp-rollback";
    /** The field manager of every apply here: what {@code kubectl apply --server-side} uses. */
    public static final String FIELD_MANAGER = "kubectl";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> KUSTOMIZATION_FIELDS = Set.of("apiVersion", "kind", "resources");
    private static final Set<String> NEEDS_MONITORING_CRDS = Set.of("PrometheusRule", "ServiceMonitor");

    private Install() {
    }

    /** The objects {@code kubectl kustomize manifests/base} renders, in its order, as YAML trees. */
    public static List<ObjectNode> renderBase() {
        JsonNode kustomization = readAll(BASE.resolve("kustomization.yaml")).get(0);
        kustomization.fieldNames().forEachRemaining(field -> {
            if (!KUSTOMIZATION_FIELDS.contains(field)) {
                throw new IllegalStateException(BASE + "/kustomization.yaml uses '" + field + "', which this renderer does "
                        + "not do: render it with kustomize instead");
            }
        });
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            readAll(BASE.resolve(resource.asText())).forEach(doc -> objects.add((ObjectNode) doc));
        }
        return objects;
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

    private static void applyCrds(KubernetesClient admin, List<HasMetadata> crds) {
        crds.forEach(crd -> apply(admin, crd));
        for (HasMetadata crd : crds) {
            Awaitility.await(crd.getMetadata().getName() + " established").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200)).until(() -> established(admin, crd.getMetadata().getName()));
        }
    }

    /**
     * Applies the shipped webhook configuration pointed at a sidecar outside the cluster, as the README tells a
     * user to: each webhook's service replaced by {@code https://127.0.0.1:<httpsPort><path>}, the CA as caBundle.
     */
    public static void applyWebhooks(KubeApiServer server, int httpsPort, String caPem) {
        ObjectNode configuration = webhookConfiguration(httpsPort, caPem);
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            apply(admin, toResource(admin, configuration));
        }
    }

    /** Removes the webhook configuration, so that a stopped sidecar's fail-closed webhooks block nobody. */
    public static void deleteWebhooks(KubeApiServer server) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            admin.admissionRegistration().v1().validatingWebhookConfigurations().withName(WEBHOOK_CONFIGURATION).delete();
        }
    }

    /** The shipped webhook configuration with each webhook's address changed as the README says. */
    public static ObjectNode webhookConfiguration(int httpsPort, String caPem) {
        ObjectNode configuration = renderBase().stream()
                .filter(o -> "ValidatingWebhookConfiguration".equals(o.path("kind").asText())).findFirst()
                .orElseThrow(() -> new IllegalStateException(BASE + " renders no ValidatingWebhookConfiguration"));
        for (JsonNode webhook : configuration.path("webhooks")) {
            ObjectNode clientConfig = (ObjectNode) webhook.path("clientConfig");
            String path = clientConfig.path("service").path("path").asText();
            clientConfig.remove("service");
            clientConfig.put("url", "https://127.0.0.1:" + httpsPort + path);
            clientConfig.put("caBundle", Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)));
        }
        return configuration;
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
        try (Stream<Path> files = Files.list(TestTools.hyperShiftCrds())) {
            List<HasMetadata> crds = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
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

    private static List<JsonNode> readAll(Path file) {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            return docs.readAll().stream().filter(doc -> doc != null && !doc.isNull() && !doc.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
