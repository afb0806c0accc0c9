package dev.hcprollback.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.hcprollback.ConfigReferenceTest;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import io.fabric8.kubernetes.api.Pluralize;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The OLM bundle committed under olm-bundle/ must be what the build generates (bundle generator
 * plus dev.hcprollback.bundle.BundleFinisher, src/build/java), and must install what the plain
 * install does: APIs OLM can resolve, the webhooks with the plain install's filtering, every
 * object, a release version and the image by digest. Runs after pre-integration-test, against this
 * build's target/bundle.
 */
class OlmBundleIT {

    private static final Path GENERATED = Path.of("target/bundle/hcp-rollback");
    private static final Path COMMITTED = Path.of("olm-bundle");
    private static final String CSV = "manifests/hcp-rollback.clusterserviceversion.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void committedBundleEqualsTheGeneratedOne() throws IOException {
        Set<String> generated = files(GENERATED);
        assertEquals(generated, files(COMMITTED), COMMITTED + " should hold exactly the generated files; refresh with: "
                + "rm -rf olm-bundle/manifests olm-bundle/metadata && cp -r " + GENERATED + "/. " + COMMITTED + "/");
        for (String file : generated) {
            Path built = GENERATED.resolve(file);
            Path kept = COMMITTED.resolve(file);
            if (file.endsWith(".yaml") || file.endsWith(".yml")) {
                String difference = ManifestsIT.firstDifference(Manifests.readOne(built), Manifests.readOne(kept), "");
                assertNull(difference, kept + " differs from the generated bundle at " + difference + "; refresh with: cp "
                        + built + " " + kept);
            } else {
                assertEquals(Files.readString(built), Files.readString(kept), kept + " differs; refresh with: cp " + built + " " + kept);
            }
        }
    }

    @Test
    void theSidecarReadsTheCertificateWhereOlmMountsIt() {
        JsonNode csv = csv();
        List<String> env = container(csv).path("env").findValuesAsText("value");
        assertTrue(env.contains("/tmp/k8s-webhook-server/serving-certs/tls.crt"), "the sidecar must read OLM's certificate: " + env);
        assertTrue(csv.at("/spec/installModes").toString().contains("{\"supported\":true,\"type\":\"AllNamespaces\"}"));
    }

    /**
     * HyperShift's CRDs come from HyperShift's installer, never from a catalog bundle: as
     * {@code customresourcedefinitions.required} OLM would find no bundle providing them and the
     * Subscription would not resolve. {@code nativeAPIs} only asks that the cluster serves them.
     */
    @Test
    void noApiIsRequiredThatOnlyACatalogCouldProvide() {
        JsonNode csv = csv();
        Set<String> owned = new TreeSet<>(csv.at("/spec/customresourcedefinitions/owned").findValuesAsText("name"));
        for (JsonNode required : csv.at("/spec/customresourcedefinitions/required")) {
            assertTrue(owned.contains(required.path("name").asText()), required + " is required, but no bundle in a catalog"
                    + " provides it: list an API that another installer provides under spec.nativeAPIs");
        }
        Set<String> nativeApis = new TreeSet<>();
        for (JsonNode api : csv.at("/spec/nativeAPIs")) {
            nativeApis.add(api.path("group").asText() + "/" + api.path("version").asText() + ", Kind=" + api.path("kind").asText());
        }
        for (Class<? extends HasMetadata> model : List.of(HostedCluster.class, NodePool.class)) {
            assertTrue(nativeApis.contains(HasMetadata.getApiVersion(model) + ", Kind=" + HasMetadata.getKind(model)),
                    model.getSimpleName() + " should be a native API: " + nativeApis);
        }
        // every HyperShift resource the sidecar is granted must be one OLM checks for before it installs
        Set<String> nativePlurals = new TreeSet<>();
        csv.at("/spec/nativeAPIs").forEach(api -> nativePlurals.add(api.path("group").asText() + "/"
                + Pluralize.toPlural(api.path("kind").asText().toLowerCase(Locale.ROOT))));
        for (JsonNode rule : csv.at("/spec/install/spec/clusterPermissions/0/rules")) {
            for (JsonNode group : rule.path("apiGroups")) {
                if (group.asText().equals(HostedCluster.GROUP)) {
                    rule.path("resources").forEach(resource -> assertTrue(
                            nativePlurals.contains(group.asText() + "/" + resource.asText().split("/")[0]),
                            group.asText() + " " + resource.asText() + " is granted but not among the nativeAPIs " + nativePlurals));
                }
            }
        }
    }

    /**
     * OLM's webhook definitions carry no matchConditions nor namespace exclusion: registered there,
     * the fail-closed HostedCluster webhook would be called for every HyperShift write and the
     * sidecar's own. So the CSV's one definition is a carrier that matches no request (CONNECT of a
     * custom resource, which the API server never performs; and Ignore if it did), and the sidecar
     * registers the plain install's configuration itself (WebhookRegistrationTest).
     */
    @Test
    void underOlmTheWebhooksKeepThePlainInstallsFiltering() throws IOException {
        JsonNode csv = csv();
        JsonNode definitions = csv.at("/spec/webhookdefinitions");
        assertEquals(1, definitions.size(), "one carrier definition, no webhook OLM would register unfiltered: " + definitions);
        JsonNode carrier = definitions.get(0);
        Set<String> owned = new TreeSet<>(csv.at("/spec/customresourcedefinitions/owned").findValuesAsText("name"));
        for (JsonNode rule : carrier.path("rules")) {
            assertEquals("[\"CONNECT\"]", rule.path("operations").toString(), "the carrier must match no request: " + rule);
            for (JsonNode resource : rule.path("resources")) {
                assertTrue(owned.contains(resource.asText() + "." + rule.at("/apiGroups/0").asText()),
                        "CONNECT of a custom resource never happens; " + resource + " is not one of the bundle's CRDs");
            }
        }
        assertEquals("Ignore", carrier.path("failurePolicy").asText());

        JsonNode map = Manifests.readOne(GENERATED.resolve("manifests/hcp-rollback-webhook-configuration.configmap.yaml"));
        JsonNode shipped = YAML.readTree(map.at("/data/validatingwebhookconfiguration.yaml").asText());
        JsonNode plain = Manifests.readOne(Manifests.BASE.resolve("validatingwebhookconfiguration.yaml"));
        assertNull(ManifestsIT.firstDifference(plain, shipped, ""), "the bundle must register exactly the plain install's webhooks");

        JsonNode container = container(csv);
        Map<String, String> env = new TreeMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        assertEquals("true", env.get("HCP_ROLLBACK_OLM_REGISTER_WEBHOOKS"));
        assertEquals(carrier.path("generateName").asText(), env.get("HCP_ROLLBACK_OLM_CERTIFICATE_WEBHOOK"));
        String file = env.get("HCP_ROLLBACK_OLM_WEBHOOK_CONFIGURATION_FILE");
        String volume = null;
        for (JsonNode mount : container.path("volumeMounts")) {
            if (file != null && file.equals(mount.path("mountPath").asText() + "/validatingwebhookconfiguration.yaml")) {
                volume = mount.path("name").asText();
            }
        }
        assertTrue(volume != null, "the pods must mount the configuration at " + file);
        String mounted = volume;
        JsonNode podVolumes = csv.at("/spec/install/spec/deployments/0/spec/template/spec/volumes");
        assertTrue(podVolumes.toString().contains("{\"name\":\"" + mounted + "\",\"configMap\":{\"name\":\""
                + map.at("/metadata/name").asText() + "\"}}"), "the volume " + mounted + " should be the ConfigMap: " + podVolumes);
        // the webhooks' Service port is the one OLM's Service exposes for the carrier
        for (JsonNode webhook : plain.path("webhooks")) {
            assertEquals(carrier.path("containerPort").asInt(), webhook.at("/clientConfig/service/port").asInt(), webhook.path("name").asText());
        }
        List<JsonNode> rules = new ArrayList<>();
        csv.at("/spec/install/spec/clusterPermissions/0/rules").forEach(rules::add);
        for (String verb : List.of("get", "list", "watch", "create", "update")) {
            assertTrue(Manifests.grants(rules, "admissionregistration.k8s.io", "validatingwebhookconfigurations", verb, null),
                    "the sidecar must be allowed to " + verb + " its webhook configuration");
        }
    }

    /** Each object of the plain install, and how the bundle provides it; a new kind in manifests/base must be added here. */
    @Test
    void theBundleHasEveryObjectThePlainInstallHas() throws IOException {
        JsonNode csv = csv();
        Map<String, JsonNode> bundled = new TreeMap<>();
        for (Path file : Manifests.yamlFiles(GENERATED.resolve("manifests"))) {
            JsonNode object = Manifests.readOne(file);
            bundled.put(object.path("kind").asText() + "/" + object.at("/metadata/name").asText(), object);
        }
        JsonNode install = csv.at("/spec/install/spec");
        List<String> lacking = new ArrayList<>();
        for (Manifests.Doc doc : Manifests.baseObjects()) {
            JsonNode object = doc.node();
            boolean provided = switch (doc.kind()) {
                // OLM installs into the namespace of the Subscription; the CSV suggests this one
                case "Namespace" -> doc.name().equals(csv.at("/metadata/annotations/operators.operatorframework.io~1suggested-namespace").asText());
                case "CustomResourceDefinition" -> csv.at("/spec/customresourcedefinitions/owned").findValuesAsText("name").contains(doc.name());
                // OLM creates the service account and binds it to the CSV's permissions
                case "ServiceAccount" -> install.at("/clusterPermissions/0/serviceAccountName").asText().equals(doc.name());
                case "ClusterRoleBinding", "RoleBinding" -> true;
                case "ClusterRole" -> bundled.containsKey(doc.kind() + "/" + doc.name())
                        || covers(install.at("/clusterPermissions/0/rules"), object.path("rules"));
                case "Role" -> covers(install.at("/permissions/0/rules"), object.path("rules"));
                case "Deployment" -> install.at("/deployments/0/name").asText().equals(doc.name());
                // registered by the sidecar from the bundle's ConfigMap (underOlmTheWebhooksKeepThePlainInstallsFiltering)
                case "ValidatingWebhookConfiguration" -> bundled.containsKey("ConfigMap/hcp-rollback-webhook-configuration");
                // OLM creates the webhook's Service from the carrier definition; the bundle brings one for each other port
                case "Service" -> servesEveryPort(object, csv, bundled);
                // the same scrape, checking the certificate OLM issues (theBundlesServiceMonitorTrustsOlmsCertificate)
                case "ServiceMonitor" -> withoutTls(object).equals(withoutTls(bundled.get(doc.kind() + "/" + doc.name())));
                // the plain install's CA for its ServiceMonitor: under OLM the CA is in OLM's certificate Secret
                case "ConfigMap" -> doc.name().equals("hcp-rollback-serving-ca") && bundled.containsKey("ServiceMonitor/hcp-rollback");
                default -> sameSpec(object, bundled.get(doc.kind() + "/" + doc.name()));
            };
            if (!provided) {
                lacking.add(doc.toString());
            }
        }
        assertEquals(List.of(), lacking, "the plain install has these and the OLM bundle lacks them");
    }

    /**
     * Under OLM the pods serve the certificate OLM issues for the Service it creates ({@code <deployment>-service}),
     * signed by OLM's CA: the ServiceMonitor must check that name and trust that CA, or every scrape fails.
     */
    @Test
    void theBundlesServiceMonitorTrustsOlmsCertificate() throws IOException {
        JsonNode csv = csv();
        JsonNode monitor = Manifests.readOne(GENERATED.resolve("manifests/hcp-rollback.servicemonitor.yaml"));
        String service = csv.at("/spec/install/spec/deployments/0/name").asText() + "-service";
        String namespace = csv.at("/metadata/annotations/operators.operatorframework.io~1suggested-namespace").asText();
        for (JsonNode endpoint : monitor.at("/spec/endpoints")) {
            assertEquals("https", endpoint.path("scheme").asText());
            assertEquals(service + "." + namespace + ".svc", endpoint.at("/tlsConfig/serverName").asText());
            assertEquals(service + "-cert", endpoint.at("/tlsConfig/ca/secret/name").asText());
            assertEquals("olmCAKey", endpoint.at("/tlsConfig/ca/secret/key").asText());
        }
        JsonNode metrics = Manifests.readOne(GENERATED.resolve("manifests/hcp-rollback-metrics.service.yaml"));
        Manifests.readOne(GENERATED.resolve("manifests/hcp-rollback.servicemonitor.yaml")).at("/spec/selector/matchLabels")
                .fields().forEachRemaining(label -> assertEquals(label.getValue().asText(),
                        metrics.at("/metadata/labels").path(label.getKey()).asText(), "the ServiceMonitor selects the metrics Service"));
    }

    /** A misspelt variable would be ignored silently and the sidecar would run as a plain install. */
    @Test
    void everyVariableTheCsvSetsForTheSidecarIsOneOfItsSettings() throws IOException {
        Set<String> settings = new TreeSet<>();
        ConfigReferenceTest.settings().forEach(s -> settings.add(s.environmentVariable()));
        for (String name : container(csv()).path("env").findValuesAsText("name")) {
            if (name.startsWith("HCP_ROLLBACK_")) {
                assertTrue(settings.contains(name), name + " is not a setting of the sidecar: " + settings);
            }
        }
    }

    /** A release version throughout and the image by digest, which a release sets in pom.xml (olm-bundle/README.md). */
    @Test
    void theBundleHasAReleaseVersionAndTheImageByDigest() throws IOException {
        JsonNode csv = csv();
        String version = csv.at("/spec/version").asText();
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+"), "the CSV should carry a release version, not " + version);
        assertEquals("hcp-rollback.v" + version, csv.at("/metadata/name").asText());
        assertEquals(pomProperty("olm.bundle.version"), version);
        String digest = pomProperty("olm.image.digest");
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), "olm.image.digest in pom.xml must be sha256:<64 hex digits>: " + digest);
        String image = pomProperty("olm.image") + "@" + digest;
        JsonNode related = csv.at("/spec/relatedImages");
        assertEquals(1, related.size(), "the one image the operator runs: " + related);
        assertEquals(image, related.at("/0/image").asText());
        assertEquals(image, container(csv).path("image").asText(), "the Deployment runs the image by digest");
        assertEquals(image, csv.at("/metadata/annotations/containerImage").asText());
    }

    /**
     * OLM and OperatorHub read the platforms from the CSV's labels, and take a CSV without any for amd64/linux only;
     * OpenShift's console reads the infrastructure features from these annotations, each a string "true" or "false".
     */
    @Test
    void theCsvNamesBothArchitecturesAndEveryInfrastructureFeature() {
        JsonNode metadata = csv().path("metadata");
        for (String platform : List.of("arch.amd64", "arch.arm64", "os.linux")) {
            JsonNode label = metadata.path("labels").path("operatorframework.io/" + platform);
            assertEquals("supported", label.asText(), "the CSV should label operatorframework.io/" + platform + ": " + metadata.path("labels"));
        }
        for (String feature : List.of("disconnected", "fips-compliant", "proxy-aware", "tls-profiles", "token-auth-aws",
                "token-auth-azure", "token-auth-gcp", "cnf", "cni", "csi")) {
            JsonNode value = metadata.path("annotations").path("features.operators.openshift.io/" + feature);
            assertTrue(value.isTextual() && value.asText().matches("true|false"),
                    "features.operators.openshift.io/" + feature + " should be the string \"true\" or \"false\", not " + value);
        }
        // what the sidecar does and its tests show (EnvironmentProxyTest, StoreThroughProxyTest, RestoreJobsProxyTest)
        assertEquals("true", metadata.at("/annotations/features.operators.openshift.io~1proxy-aware").asText());
    }

    @Test
    void everyExampleIsOfAnOwnedKind() throws IOException {
        JsonNode csv = csv();
        JsonNode examples = new ObjectMapper().readTree(csv.at("/metadata/annotations/alm-examples").asText());
        Set<String> owned = csv.at("/spec/customresourcedefinitions/owned").findValuesAsText("kind").stream()
                .collect(Collectors.toSet());
        assertTrue(examples.size() >= 2, "an example of each of the project's kinds");
        for (JsonNode example : examples) {
            assertTrue(owned.contains(example.get("kind").asText()), example.get("kind") + " is not owned by the CSV: " + owned);
        }
    }

    private static JsonNode csv() {
        return Manifests.readOne(GENERATED.resolve(CSV));
    }

    private static JsonNode container(JsonNode csv) {
        return csv.at("/spec/install/spec/deployments/0/spec/template/spec/containers/0");
    }

    /** Whether every rule of a role is among the CSV's rules (the finisher copies them, so equal rules). */
    private static boolean covers(JsonNode csvRules, JsonNode rules) {
        List<JsonNode> granted = new ArrayList<>();
        csvRules.forEach(granted::add);
        for (JsonNode rule : rules) {
            if (!granted.contains(rule)) {
                return false;
            }
        }
        return true;
    }

    private static boolean servesEveryPort(JsonNode service, JsonNode csv, Map<String, JsonNode> bundled) {
        JsonNode carrier = csv.at("/spec/webhookdefinitions/0");
        for (JsonNode port : service.at("/spec/ports")) {
            boolean webhookPort = port.path("port").asInt() == carrier.path("containerPort").asInt();
            boolean otherService = bundled.values().stream()
                    .filter(o -> o.path("kind").asText().equals("Service"))
                    .anyMatch(o -> o.at("/spec/ports").toString().contains(port.toString())
                            && o.at("/spec/selector").equals(service.at("/spec/selector")));
            if (!webhookPort && !otherService) {
                return false;
            }
        }
        return true;
    }

    /** A ServiceMonitor's spec without its endpoints' TLS settings. */
    private static JsonNode withoutTls(JsonNode monitor) {
        if (monitor == null) {
            return null;
        }
        JsonNode spec = monitor.path("spec").deepCopy();
        spec.path("endpoints").forEach(endpoint -> ((com.fasterxml.jackson.databind.node.ObjectNode) endpoint).remove("tlsConfig"));
        return spec;
    }

    private static boolean sameSpec(JsonNode plain, JsonNode bundled) {
        if (bundled == null) {
            return false;
        }
        for (String field : List.of("spec", "rules", "value", "data")) {
            if (!plain.path(field).equals(bundled.path(field))) {
                return false;
            }
        }
        return true;
    }

    private static String pomProperty(String name) throws IOException {
        Matcher property = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</").matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(property.find(), "pom.xml has no property " + name);
        return property.group(1).trim();
    }

    private static Set<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(root::relativize).map(Path::toString)
                    .filter(name -> !name.equals("README.md"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
