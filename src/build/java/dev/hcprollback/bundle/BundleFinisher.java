package dev.hcprollback.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/**
 * Build tool, run after the Quarkus build ({@code pre-integration-test} phase, so never by a plain
 * {@code package} such as the image's build stage): completes the OLM bundle the generator wrote
 * into {@code target/bundle/hcp-rollback} with what it cannot know, taken from the one place each
 * already lives, so that the bundle and {@code manifests/base} never disagree:
 * <ul>
 * <li>the Deployment, RBAC rules, PodDisruptionBudget, PriorityClass, NetworkPolicy, metrics Service,
 * requester ClusterRole, the alerts' PrometheusRule and the ServiceMonitor from {@code manifests/base}, with the
 * webhook certificate read where OLM mounts it and trusted through OLM's CA;</li>
 * <li>the ValidatingWebhookConfiguration of {@code manifests/base}, unchanged, in a ConfigMap that
 * the sidecar registers itself ({@code hcp-rollback.olm.*}): OLM's {@code webhookdefinitions} carry
 * no {@code matchConditions} nor namespace exclusion. The one definition OLM gets is a carrier that
 * matches no request: it only makes OLM issue, mount and rotate the serving certificate and create
 * the webhook Service;</li>
 * <li>HyperShift's APIs as {@code nativeAPIs} (HyperShift's installer provides them, no catalog
 * does), the release version and the image by digest ({@code relatedImages});</li>
 * <li>{@code almExamples} from {@code config/samples}, the description from {@code config/olm-description.md};</li>
 * <li>the CRDs of the project's kinds that no reconciler owns.</li>
 * </ul>
 * Arguments: the project directory, the bundle version ({@code 0.1.0}), the image repository and
 * the image digest ({@code sha256:<64 hex>}).
 */
public final class BundleFinisher {

    /** Where OLM mounts the serving certificate of a deployment's webhooks. */
    static final String OLM_CERT_DIR = "/tmp/k8s-webhook-server/serving-certs";
    /** The carrier webhook: OLM issues the certificate for it; it matches no request the API server ever makes. */
    static final String CERTIFICATE_WEBHOOK = "olm-certificate.rollback.hypershift.openshift.io";
    /** The ConfigMap holding the plain install's ValidatingWebhookConfiguration, and where the pods mount it. */
    static final String WEBHOOK_CONFIGMAP = "hcp-rollback-webhook-configuration";
    static final String WEBHOOK_CONFIGURATION_DIR = "/etc/hcp-rollback/olm";
    static final String WEBHOOK_CONFIGURATION_KEY = "validatingwebhookconfiguration.yaml";
    /** The namespace the CSV suggests, and the only one the sidecar registers its webhooks in. */
    static final String SUGGESTED_NAMESPACE = "hcp-rollback";
    /** The key of OLM's certificate Secret that holds the CA certificate (PEM). */
    static final String OLM_CA_KEY = "olmCAKey";
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+");

    /**
     * The architectures and operating system the image is built for (the Dockerfile's base images are multi-arch and
     * the image carries no native library of one architecture only): OLM and OperatorHub filter on these labels and
     * take a CSV without any for amd64 only.
     */
    static final Map<String, String> PLATFORMS = new TreeMap<>(Map.of(
            "operatorframework.io/arch.amd64", "supported",
            "operatorframework.io/arch.arm64", "supported",
            "operatorframework.io/os.linux", "supported"));

    /**
     * OpenShift's infrastructure features ({@code features.operators.openshift.io/*}), each "true" only for what the
     * sidecar does and its tests show (olm-bundle/README.md says why for each):
     * disconnected: one image, by digest, in relatedImages; the restore Jobs run that image and the cluster's own etcd
     * image; nothing is fetched from the internet (object store and registry are the operator's to point at mirrors).
     * proxy-aware: every HTTP client honours HTTPS_PROXY/NO_PROXY, which OLM copies from the cluster-wide proxy, and
     * the restore Jobs get them too (EnvironmentProxyTest with a real CONNECT proxy).
     * Not claimed: FIPS (never run with FIPS-validated crypto), TLS profiles (the serving TLS settings are fixed, not
     * read from the cluster's APIServer), the short-lived token flows of the Cloud Credential Operator for AWS, Azure
     * or GCP (no CredentialsRequest; Azure workload identity is configured by hand, not through the console), and the
     * sidecar is no CNF, CNI or CSI plug-in.
     */
    static final Map<String, String> FEATURES = new TreeMap<>(Map.of(
            "features.operators.openshift.io/disconnected", "true",
            "features.operators.openshift.io/fips-compliant", "false",
            "features.operators.openshift.io/proxy-aware", "true",
            "features.operators.openshift.io/tls-profiles", "false",
            "features.operators.openshift.io/token-auth-aws", "false",
            "features.operators.openshift.io/token-auth-azure", "false",
            "features.operators.openshift.io/token-auth-gcp", "false",
            "features.operators.openshift.io/cnf", "false",
            "features.operators.openshift.io/cni", "false",
            "features.operators.openshift.io/csi", "false"));

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path project;
    private final Path bundle;
    private final String version;
    private final String image;

    BundleFinisher(Path project, String version, String repository, String digest) {
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("olm.bundle.version must be a release version such as 0.1.0, not " + version);
        }
        if (!DIGEST.matcher(digest).matches()) {
            throw new IllegalArgumentException("olm.image.digest must be sha256:<64 lower-case hex digits>, not " + digest);
        }
        this.project = project;
        this.bundle = project.resolve("target/bundle/hcp-rollback");
        this.version = version;
        this.image = repository + "@" + digest;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: BundleFinisher <project dir> <bundle version> <image repository> <image digest>");
        }
        Path project = Path.of(args[0]);
        new BundleFinisher(project, args[1], args[2], args[3]).finish();
        System.out.println("[olm] bundle completed in " + project.resolve("target/bundle/hcp-rollback"));
    }

    void finish() throws IOException {
        Path csvFile = bundle.resolve("manifests/hcp-rollback.clusterserviceversion.yaml");
        ObjectNode csv = (ObjectNode) YAML.readTree(csvFile.toFile());
        List<JsonNode> base = readAll(project.resolve("manifests/base"));

        ObjectNode spec = (ObjectNode) csv.get("spec");
        ObjectNode install = (ObjectNode) csv.at("/spec/install/spec");
        ObjectNode deployment = (ObjectNode) install.withArray("deployments").get(0);
        deployment.set("spec", deploymentSpec(find(base, "Deployment", "hcp-rollback"), image));
        ArrayNode clusterPermissions = permissions(base, "ClusterRole", List.of("hcp-rollback", "hcp-rollback-control-plane"));
        ((ArrayNode) clusterPermissions.get(0).get("rules")).add(registersItsWebhookConfiguration());
        install.set("clusterPermissions", clusterPermissions);
        install.set("permissions", permissions(base, "Role", List.of("hcp-rollback")));
        spec.set("webhookdefinitions", certificateWebhook(deployment.get("name").asText()));
        ownEveryProjectCrd(csv);
        nativeApis(csv);
        spec.put("description", Files.readString(project.resolve("config/olm-description.md")));
        spec.put("version", version);
        spec.putArray("relatedImages").addObject().put("name", "hcp-rollback").put("image", image);
        ObjectNode metadata = (ObjectNode) csv.get("metadata");
        metadata.put("name", "hcp-rollback.v" + version);
        ObjectNode annotations = metadata.withObject("/annotations");
        annotations.put("alm-examples", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(samples()));
        annotations.put("containerImage", image);
        annotations.put("operators.operatorframework.io/suggested-namespace", SUGGESTED_NAMESPACE);
        PLATFORMS.forEach(metadata.withObject("/labels")::put);
        FEATURES.forEach(annotations::put);
        YAML.writeValue(csvFile.toFile(), csv);

        // objects OLM installs beside the CSV, in the operator's namespace
        writeBeside(find(base, "ClusterRole", "hcp-rollback-requester"), "hcp-rollback-requester.clusterrole.yaml");
        writeBeside(find(base, "PodDisruptionBudget", "hcp-rollback"), "hcp-rollback.poddisruptionbudget.yaml");
        writeBeside(find(base, "PriorityClass", "hcp-rollback"), "hcp-rollback.priorityclass.yaml");
        writeBeside(find(base, "NetworkPolicy", "hcp-rollback"), "hcp-rollback.networkpolicy.yaml");
        writeBeside(find(base, "PrometheusRule", "hcp-rollback"), "hcp-rollback.prometheusrule.yaml");
        writeBeside(find(base, "Service", "hcp-rollback-metrics"), "hcp-rollback-metrics.service.yaml");
        writeBeside(trustingOlmsCertificate(find(base, "ServiceMonitor", "hcp-rollback"), deployment.get("name").asText()),
                "hcp-rollback.servicemonitor.yaml");
        writeBeside(webhookConfigurationMap(find(base, "ValidatingWebhookConfiguration", "hcp-rollback")),
                WEBHOOK_CONFIGMAP + ".configmap.yaml");
    }

    /**
     * HyperShift's kinds the sidecar reads or writes: every {@code hypershift.openshift.io} resource
     * the RBAC rules name, as the model classes spell them. {@code customresourcedefinitions.required}
     * would make OLM look for a catalog bundle owning them, which never exists (HyperShift's own
     * installer creates those CRDs): the Subscription would not resolve. {@code nativeAPIs} only
     * requires them to be served. The generator's {@code required} entries move there too.
     */
    private void nativeApis(ObjectNode csv) throws IOException {
        Map<String, JsonNode> models = HyperShiftModel.byResource(project.resolve("target/classes"));
        Set<String> resources = new TreeSet<>();
        for (JsonNode rule : csv.at("/spec/install/spec/clusterPermissions/0/rules")) {
            if (rule.path("apiGroups").toString().contains("\"" + HyperShiftModel.GROUP + "\"")) {
                rule.path("resources").forEach(r -> resources.add(r.asText().split("/")[0]));
            }
        }
        Map<String, JsonNode> nativeApis = new TreeMap<>();
        for (String resource : resources) {
            JsonNode gvk = models.get(resource);
            if (gvk == null) {
                throw new IllegalStateException("the RBAC rules of manifests/base name " + HyperShiftModel.GROUP + " " + resource
                        + ", but no model class in src/main/java is that resource (@Group, @Version, @Plural)");
            }
            nativeApis.put(gvk.get("kind").asText(), gvk);
        }
        // the generator requires the kinds its controllers reconcile without owning (HostedCluster)
        ObjectNode crds = (ObjectNode) csv.at("/spec/customresourcedefinitions");
        for (JsonNode required : crds.path("required")) {
            String name = required.get("name").asText();
            nativeApis.putIfAbsent(required.get("kind").asText(), JSON.createObjectNode()
                    .put("group", name.substring(name.indexOf('.') + 1)).put("version", required.get("version").asText())
                    .put("kind", required.get("kind").asText()));
        }
        crds.remove("required");
        ((ObjectNode) csv.get("spec")).set("nativeAPIs", JSON.valueToTree(nativeApis.values()));
    }

    /** The sidecar creates and updates its own ValidatingWebhookConfiguration under OLM (see the class comment). */
    private static ObjectNode registersItsWebhookConfiguration() {
        ObjectNode rule = JSON.createObjectNode();
        rule.putArray("apiGroups").add("admissionregistration.k8s.io");
        rule.putArray("resources").add("validatingwebhookconfigurations");
        ArrayNode verbs = rule.putArray("verbs");
        List.of("get", "list", "watch", "create", "update", "patch").forEach(verbs::add);
        return rule;
    }

    /**
     * The base's ServiceMonitor, checking the certificate the pods serve under OLM: OLM's, issued for the Service it
     * creates ({@code <deployment>-service}) in the one namespace the sidecar accepts, by a CA that OLM keeps in the
     * Secret {@code <service>-cert} under the key {@code olmCAKey} (operator-lifecycle-manager,
     * pkg/controller/install/certresources.go), where the plain install uses service-ca's or the site's.
     */
    private static JsonNode trustingOlmsCertificate(JsonNode serviceMonitor, String deploymentName) {
        ObjectNode monitor = serviceMonitor.deepCopy();
        String service = deploymentName + "-service";
        for (JsonNode endpoint : monitor.at("/spec/endpoints")) {
            ObjectNode tls = ((ObjectNode) endpoint).withObject("/tlsConfig");
            tls.put("serverName", service + "." + SUGGESTED_NAMESPACE + ".svc");
            tls.putObject("ca").putObject("secret").put("name", service + "-cert").put("key", OLM_CA_KEY);
        }
        return monitor;
    }

    /** The plain install's ValidatingWebhookConfiguration, as YAML in a ConfigMap the pods mount. */
    private static JsonNode webhookConfigurationMap(JsonNode configuration) throws IOException {
        ObjectNode map = JSON.createObjectNode();
        map.put("apiVersion", "v1").put("kind", "ConfigMap");
        map.putObject("metadata").put("name", WEBHOOK_CONFIGMAP).putObject("labels").put("app.kubernetes.io/name", "hcp-rollback");
        map.putObject("data").put(WEBHOOK_CONFIGURATION_KEY, YAML.writeValueAsString(configuration));
        return map;
    }

    /**
     * The base Deployment's pod template with the released image, reading the certificate OLM mounts
     * instead of the base's Secret, and registering the webhook configuration it mounts.
     */
    private static ObjectNode deploymentSpec(JsonNode baseDeployment, String image) {
        ObjectNode spec = baseDeployment.get("spec").deepCopy();
        ObjectNode pod = (ObjectNode) spec.at("/template/spec");
        ArrayNode volumes = (ArrayNode) pod.get("volumes");
        removeNamed(volumes, "webhook-tls");
        volumes.addObject().put("name", "webhook-configuration").putObject("configMap").put("name", WEBHOOK_CONFIGMAP);
        ObjectNode container = (ObjectNode) pod.at("/containers/0");
        container.put("image", image);
        ArrayNode mounts = (ArrayNode) container.get("volumeMounts");
        removeNamed(mounts, "webhook-tls");
        mounts.addObject().put("name", "webhook-configuration").put("mountPath", WEBHOOK_CONFIGURATION_DIR).put("readOnly", true);
        ArrayNode env = container.withArray("env");
        env.addObject().put("name", "HCP_ROLLBACK_TLS_CERT_FILE").put("value", OLM_CERT_DIR + "/tls.crt");
        env.addObject().put("name", "HCP_ROLLBACK_TLS_KEY_FILE").put("value", OLM_CERT_DIR + "/tls.key");
        env.addObject().put("name", "HCP_ROLLBACK_OLM_REGISTER_WEBHOOKS").put("value", "true");
        // the stage Jobs' fetch container runs the sidecar's own image: the same digest
        env.addObject().put("name", "HCP_ROLLBACK_ROLLBACK_FETCH_IMAGE").put("value", image);
        env.addObject().put("name", "HCP_ROLLBACK_OLM_WEBHOOK_CONFIGURATION_FILE")
                .put("value", WEBHOOK_CONFIGURATION_DIR + "/" + WEBHOOK_CONFIGURATION_KEY);
        env.addObject().put("name", "HCP_ROLLBACK_OLM_CERTIFICATE_WEBHOOK").put("value", CERTIFICATE_WEBHOOK);
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

    /**
     * The one webhook OLM registers: a CONNECT of a ControlPlaneRollback, which the API server never
     * performs (custom resources have no connect subresource), with failurePolicy Ignore. OLM issues
     * its serving certificate into the pods, creates the Service {@code <deployment>-service} and
     * writes its CA into this webhook's configuration, where the sidecar reads it.
     */
    private static ArrayNode certificateWebhook(String deploymentName) {
        ArrayNode definitions = JSON.createArrayNode();
        ObjectNode definition = definitions.addObject();
        definition.put("type", "ValidatingAdmissionWebhook");
        definition.put("generateName", CERTIFICATE_WEBHOOK);
        definition.put("deploymentName", deploymentName);
        definition.put("containerPort", 443);
        definition.put("targetPort", 8443);
        definition.put("webhookPath", "/validate/olm-certificate");
        definition.putArray("admissionReviewVersions").add("v1");
        ObjectNode rule = definition.putArray("rules").addObject();
        rule.putArray("apiGroups").add("rollback.hypershift.openshift.io");
        rule.putArray("apiVersions").add("v1alpha1");
        rule.putArray("resources").add("controlplanerollbacks");
        rule.putArray("operations").add("CONNECT");
        rule.put("scope", "Namespaced");
        definition.put("failurePolicy", "Ignore");
        definition.put("sideEffects", "None");
        definition.put("timeoutSeconds", 1);
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
                Files.copy(file, bundle.resolve("manifests").resolve(name + "-v1.crd.yml"), StandardCopyOption.REPLACE_EXISTING);
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

    /** OLM installs bundle objects into the operator's namespace: a namespace written in them would be wrong there. */
    private void writeBeside(JsonNode object, String fileName) throws IOException {
        ObjectNode copy = object.deepCopy();
        ((ObjectNode) copy.get("metadata")).remove("namespace");
        YAML.writeValue(bundle.resolve("manifests").resolve(fileName).toFile(), copy);
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
