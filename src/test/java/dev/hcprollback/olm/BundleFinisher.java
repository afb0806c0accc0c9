package dev.hcprollback.olm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/**
 * Build step, run after the Quarkus build ({@code package} phase): completes the OLM bundle the
 * generator wrote into {@code target/bundle/hcp-rollback} with what it cannot know, taken from the
 * one place each already lives, so that the bundle and {@code manifests/base} never disagree:
 * <ul>
 * <li>the Deployment, RBAC rules, PodDisruptionBudget, PriorityClass and requester ClusterRole from
 * {@code manifests/base}, with the webhook certificate read where OLM mounts it;</li>
 * <li>{@code webhookdefinitions} from the ValidatingWebhookConfiguration (OLM issues and rotates
 * their certificate);</li>
 * <li>{@code almExamples} from {@code config/samples}, the description from {@code config/olm-description.md};</li>
 * <li>the CRDs of the project's kinds that no reconciler owns.</li>
 * </ul>
 * Build-specific annotations (commit, timestamp) are dropped so that the bundle is reproducible
 * and {@code olm-bundle/} can be compared with it.
 */
public final class BundleFinisher {

    /** Where OLM mounts the serving certificate of a deployment's webhooks. */
    static final String OLM_CERT_DIR = "/tmp/k8s-webhook-server/serving-certs";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path project;
    private final Path bundle;

    BundleFinisher(Path project) {
        this.project = project;
        this.bundle = project.resolve("target/bundle/hcp-rollback");
    }

    public static void main(String[] args) throws IOException {
        Path project = Path.of(args.length > 0 ? args[0] : ".");
        new BundleFinisher(project).finish();
        System.out.println("[olm] bundle completed in " + project.resolve("target/bundle/hcp-rollback"));
    }

    void finish() throws IOException {
        Path csvFile = bundle.resolve("manifests/hcp-rollback.clusterserviceversion.yaml");
        ObjectNode csv = (ObjectNode) YAML.readTree(csvFile.toFile());
        List<JsonNode> base = readAll(project.resolve("manifests/base"));

        ObjectNode install = (ObjectNode) csv.at("/spec/install/spec");
        ObjectNode deployment = (ObjectNode) install.withArray("deployments").get(0);
        deployment.set("spec", deploymentSpec(find(base, "Deployment", "hcp-rollback")));
        install.set("clusterPermissions", permissions(base, "ClusterRole", List.of("hcp-rollback", "hcp-rollback-control-plane")));
        install.set("permissions", permissions(base, "Role", List.of("hcp-rollback")));
        ((ObjectNode) csv.get("spec")).set("webhookdefinitions", webhookDefinitions(
                find(base, "ValidatingWebhookConfiguration", "hcp-rollback"), deployment.get("name").asText()));
        ownEveryProjectCrd(csv);
        ((ObjectNode) csv.get("spec")).put("description", Files.readString(project.resolve("config/olm-description.md")));
        ObjectNode annotations = ((ObjectNode) csv.get("metadata")).withObject("/annotations");
        annotations.put("alm-examples", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(samples()));
        annotations.put("containerImage", deployment.at("/spec/template/spec/containers/0/image").asText());
        annotations.put("operators.operatorframework.io/suggested-namespace", "hcp-rollback");
        YAML.writeValue(csvFile.toFile(), csv);

        // objects OLM installs beside the CSV
        writeBeside(find(base, "ClusterRole", "hcp-rollback-requester"), "hcp-rollback-requester.clusterrole.yaml");
        writeBeside(find(base, "PodDisruptionBudget", "hcp-rollback"), "hcp-rollback.poddisruptionbudget.yaml");
        writeBeside(find(base, "PriorityClass", "hcp-rollback"), "hcp-rollback.priorityclass.yaml");
    }

    /** The base Deployment's pod template, reading the certificate OLM mounts instead of the base's Secret. */
    private static ObjectNode deploymentSpec(JsonNode baseDeployment) {
        ObjectNode spec = baseDeployment.get("spec").deepCopy();
        ObjectNode pod = (ObjectNode) spec.at("/template/spec");
        ArrayNode volumes = (ArrayNode) pod.get("volumes");
        removeNamed(volumes, "webhook-tls");
        ObjectNode container = (ObjectNode) pod.at("/containers/0");
        removeNamed((ArrayNode) container.get("volumeMounts"), "webhook-tls");
        ArrayNode env = container.withArray("env");
        env.addObject().put("name", "HCP_ROLLBACK_TLS_CERT_FILE").put("value", OLM_CERT_DIR + "/tls.crt");
        env.addObject().put("name", "HCP_ROLLBACK_TLS_KEY_FILE").put("value", OLM_CERT_DIR + "/tls.key");
        return spec;
    }

    private static ArrayNode permissions(List<JsonNode> base, String kind, List<String> names) {
        ArrayNode rules = JSON.createArrayNode();
        for (String name : names) {
            find(base, kind, name).get("rules").forEach(rules::add);
        }
        ArrayNode permissions = JSON.createArrayNode();
        permissions.addObject().put("serviceAccountName", "hcp-rollback").set("rules", rules);
        return permissions;
    }

    /** OLM's webhook description has no matchConditions nor namespaceSelector: it selects namespaces itself. */
    private static ArrayNode webhookDefinitions(JsonNode configuration, String deploymentName) {
        ArrayNode definitions = JSON.createArrayNode();
        for (JsonNode webhook : configuration.get("webhooks")) {
            ObjectNode definition = definitions.addObject();
            definition.put("type", "ValidatingAdmissionWebhook");
            definition.put("generateName", webhook.get("name").asText());
            definition.put("deploymentName", deploymentName);
            definition.put("containerPort", webhook.at("/clientConfig/service/port").asInt());
            definition.put("targetPort", 8443);
            definition.put("webhookPath", webhook.at("/clientConfig/service/path").asText());
            for (String field : List.of("admissionReviewVersions", "rules", "failurePolicy", "matchPolicy", "sideEffects",
                    "timeoutSeconds")) {
                definition.set(field, webhook.get(field));
            }
        }
        return definitions;
    }

    /** The generator bundles the CRDs of reconciled kinds only; every kind of the project's API belongs in it. */
    private void ownEveryProjectCrd(ObjectNode csv) throws IOException {
        ArrayNode owned = ((ObjectNode) csv.at("/spec/customresourcedefinitions")).withArray("owned");
        try (Stream<Path> files = Files.list(project.resolve("target/kubernetes"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".rollback.hypershift.openshift.io-v1.yml"))
                    .sorted().toList()) {
                JsonNode crd = YAML.readTree(file.toFile());
                String name = crd.at("/metadata/name").asText();
                if (owned.findValuesAsText("name").contains(name)) {
                    continue;
                }
                owned.addObject().put("kind", crd.at("/spec/names/kind").asText()).put("name", name)
                        .put("version", crd.at("/spec/versions/0/name").asText());
                Files.copy(file, bundle.resolve("manifests").resolve(name + "-v1.crd.yml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private ArrayNode samples() throws IOException {
        ArrayNode samples = JSON.createArrayNode();
        try (Stream<Path> files = Files.list(project.resolve("config/samples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                samples.add(YAML.readTree(file.toFile()));
            }
        }
        return samples;
    }

    private void writeBeside(JsonNode object, String fileName) throws IOException {
        YAML.writeValue(bundle.resolve("manifests").resolve(fileName).toFile(), object);
    }

    private static List<JsonNode> readAll(Path dir) throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
                    YAML.readValues(parser, JsonNode.class).readAll().stream().filter(JsonNode::isObject)
                            .forEach(objects::add);
                }
            }
        }
        return objects;
    }

    private static JsonNode find(List<JsonNode> objects, String kind, String name) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()) && name.equals(o.at("/metadata/name").asText()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("manifests/base has no " + kind + " " + name));
    }

    private static void removeNamed(ArrayNode items, String name) {
        for (int i = items.size() - 1; i >= 0; i--) {
            if (name.equals(items.get(i).path("name").asText())) {
                items.remove(i);
            }
        }
    }
}
