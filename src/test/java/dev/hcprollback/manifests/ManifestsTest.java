package dev.hcprollback.manifests;

import static dev.hcprollback.manifests.Manifests.all;
import static dev.hcprollback.manifests.Manifests.find;
import static dev.hcprollback.manifests.Manifests.grants;
import static dev.hcprollback.manifests.Manifests.property;
import static dev.hcprollback.manifests.Manifests.required;
import static dev.hcprollback.manifests.Manifests.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.HostedControlPlane;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.manifests.Manifests.Doc;
import dev.hcprollback.registry.ReleaseImageLookup;
import dev.hcprollback.webhook.AdmissionResource;
import dev.hcprollback.webhook.authz.Authorizer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The install manifests against each other and against the code and configuration they deploy:
 * names, ports, paths, identity, permissions and the restricted security profile. Plain files and
 * reflection, no cluster and no Quarkus. The generated-CRD comparison is {@link ManifestsIT}.
 */
class ManifestsTest {

    private static final String NAMESPACE = "hcp-rollback";
    /** The Service of the management port, which the ServiceMonitor scrapes (the alerts' job). */
    private static final String METRICS_SERVICE = "hcp-rollback-metrics";
    private static final String TLS_SECRET = "hcp-rollback-webhook-tls";
    private static final String HOSTED_CLUSTERS_WEBHOOK = "hostedclusters.rollback.hypershift.openshift.io";
    private static final String SNAPSHOTS_WEBHOOK = "controlplanesnapshots.rollback.hypershift.openshift.io";
    private static final String HOSTED_CONTROL_PLANES_WEBHOOK = "hostedcontrolplanes.rollback.hypershift.openshift.io";
    private static final String ROLLBACKS_WEBHOOK = "controlplanerollbacks.rollback.hypershift.openshift.io";
    private static final String UPDATES_WEBHOOK = "controlplaneupdates.rollback.hypershift.openshift.io";

    private static List<Doc> base;
    private static Properties properties;
    private static Doc deployment;
    private static JsonNode podSpec;
    private static JsonNode container;

    @BeforeAll
    static void load() {
        base = Manifests.baseObjects();
        properties = Manifests.applicationProperties();
        deployment = find(base, "Deployment", "hcp-rollback");
        podSpec = deployment.node().path("spec").path("template").path("spec");
        assertEquals(1, podSpec.path("containers").size(), "the Deployment should run one container");
        assertTrue(podSpec.at("/containers/0/envFrom").findValuesAsText("name").contains("hcp-rollback-storage"),
                "storage settings and credentials come from the Secret hcp-rollback-storage as environment");
        container = podSpec.path("containers").get(0);
    }

    // --- files and kustomizations ---

    @Test
    void everyManifestParsesAndNamesItsObject() {
        List<Path> files = Manifests.yamlFiles(Manifests.ROOT);
        assertTrue(files.size() >= 10, "expected the manifests under " + Manifests.ROOT + ", found " + files);
        for (Path file : files) {
            List<Doc> docs = Manifests.read(file);
            assertFalse(docs.isEmpty(), file + " holds no YAML document");
            for (Doc doc : docs) {
                assertFalse(doc.node().path("apiVersion").asText().isEmpty(), file + ": a document without apiVersion");
                assertFalse(doc.kind().isEmpty(), file + ": a document without kind");
                if (!doc.kind().equals("Kustomization")) {
                    assertFalse(doc.name().isEmpty(), file + ": a " + doc.kind() + " without metadata.name");
                }
            }
        }
    }

    @Test
    void everyObjectUsesOnlyFieldsItsTypeKnows() throws IOException {
        // the typed Kubernetes model keeps unknown keys aside: any there is a misspelt or misplaced field
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<Doc> objects = new ArrayList<>(base);
        for (Path file : Manifests.yamlFiles(Manifests.OPENSHIFT)) {
            if (!file.getFileName().toString().equals("kustomization.yaml")) {
                objects.addAll(Manifests.read(file));
            }
        }
        for (Doc doc : objects) {
            Object typed = serialization.unmarshal(doc.node().toString());
            assertFalse(typed instanceof GenericKubernetesResource, doc + " is of a kind the model does not know");
            List<String> unknown = new ArrayList<>();
            collectUnknownFields(typed, doc.kind(), unknown, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
            assertEquals(List.of(), unknown, doc + " has fields its schema does not define");
        }
    }

    @Test
    void baseKustomizationListsEveryFileOnceAndNothingElse() throws IOException {
        JsonNode kustomization = Manifests.readOne(Manifests.BASE.resolve("kustomization.yaml"));
        List<String> listed = texts(kustomization.path("resources"));
        assertEquals(new HashSet<>(listed).size(), listed.size(), "base kustomization lists a file twice: " + listed);
        Set<String> onDisk = new TreeSet<>();
        for (Path file : Manifests.yamlFiles(Manifests.BASE)) {
            String relative = Manifests.BASE.relativize(file).toString().replace('\\', '/');
            if (!relative.equals("kustomization.yaml")) {
                onDisk.add(relative);
            }
        }
        assertEquals(onDisk, new TreeSet<>(listed), "base/kustomization.yaml resources should be exactly the files in base/");
    }

    @Test
    void imageTagFollowsTheProjectVersion() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        java.util.regex.Matcher version = java.util.regex.Pattern
                .compile("<artifactId>hcp-rollback</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(version.find(), "project version not found in pom.xml");
        String image = container.path("image").asText();
        assertTrue(image.endsWith("/hcp-rollback:" + version.group(1)),
                "the Deployment's image should be hcp-rollback tagged with the project version " + version.group(1)
                        + ", was " + image);
    }

    @Test
    void kustomizationsUseNoNameOrNamespaceTransformers() {
        // the names are wired into the app's configuration and the webhook; a prefix or a namespace
        // transformer would silently break them
        for (Path dir : List.of(Manifests.BASE, Manifests.OPENSHIFT, Manifests.CERT_MANAGER)) {
            JsonNode kustomization = Manifests.readOne(dir.resolve("kustomization.yaml"));
            for (String field : List.of("namespace", "namePrefix", "nameSuffix", "commonLabels")) {
                assertTrue(kustomization.path(field).isMissingNode(), dir + "/kustomization.yaml should not set " + field);
            }
        }
    }

    @Test
    void openshiftOverlayBuildsOnBaseAndPatchesExistingObjects() {
        JsonNode kustomization = Manifests.readOne(Manifests.OPENSHIFT.resolve("kustomization.yaml"));
        assertEquals(List.of("../../base"), texts(kustomization.path("resources")));
        List<Doc> patches = new ArrayList<>();
        for (JsonNode patch : kustomization.path("patches")) {
            Path file = Manifests.OPENSHIFT.resolve(patch.path("path").asText());
            assertTrue(Files.isRegularFile(file), "overlay patch " + file + " is missing");
            patches.addAll(Manifests.read(file));
        }
        assertEquals(3, patches.size(), "the overlay should patch the Service, the webhook configuration and the CA ConfigMap");
        for (Doc patch : patches) {
            find(base, patch.kind(), patch.name()); // a patch of an object base does not have fails in kustomize
        }
        Doc service = find(patches, "Service", serviceName());
        assertEquals(TLS_SECRET, service.node().path("metadata").path("annotations")
                .path("service.beta.openshift.io/serving-cert-secret-name").asText(),
                "service-ca must write the Secret the Deployment mounts");
        assertEquals(secretOfVolume(tlsVolumeName()), TLS_SECRET);
        Doc webhooks = find(patches, "ValidatingWebhookConfiguration", "hcp-rollback");
        assertEquals("true", webhooks.node().path("metadata").path("annotations")
                .path("service.beta.openshift.io/inject-cabundle").asText());
        // service-ca writes its CA under service-ca.crt into the ConfigMap the ServiceMonitor trusts
        JsonNode ca = serviceMonitorEndpoint().at("/tlsConfig/ca/configMap");
        Doc caMap = find(patches, "ConfigMap", ca.path("name").asText());
        assertEquals("true", caMap.node().at("/metadata/annotations").path("service.beta.openshift.io/inject-cabundle").asText());
        assertEquals("service-ca.crt", ca.path("key").asText(), "the key service-ca injects");
    }

    // --- namespace and identity ---

    @Test
    void namespaceEnforcesRestrictedPodSecurity() {
        JsonNode labels = find(base, "Namespace", NAMESPACE).node().path("metadata").path("labels");
        assertEquals("restricted", labels.path("pod-security.kubernetes.io/enforce").asText());
        Set<String> clusterScoped = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                "PriorityClass", "ValidatingWebhookConfiguration");
        for (Doc doc : base) {
            if (clusterScoped.contains(doc.kind())) {
                assertTrue(doc.namespace().isEmpty(), doc + " is cluster-scoped and should not name a namespace");
            } else {
                assertEquals(NAMESPACE, doc.namespace(), doc + " should live in " + NAMESPACE);
            }
        }
    }

    @Test
    void serviceAccountIsTheOneTheAppKnowsItselfBy() {
        // hcp-rollback.service-account=system:serviceaccount:${POD_NAMESPACE:hcp-rollback}:hcp-rollback
        String identity = required(properties, "hcp-rollback.service-account");
        String prefix = "system:serviceaccount:${POD_NAMESPACE:" + NAMESPACE + "}:";
        assertTrue(identity.startsWith(prefix), "unexpected hcp-rollback.service-account: " + identity);
        String accountName = identity.substring(prefix.length());
        find(base, "ServiceAccount", accountName);
        assertEquals(accountName, podSpec.path("serviceAccountName").asText());
        JsonNode podNamespace = env("POD_NAMESPACE");
        assertEquals("metadata.namespace", podNamespace.path("valueFrom").path("fieldRef").path("fieldPath").asText(),
                "POD_NAMESPACE must come from the downward API");
    }

    @Test
    void everyBindingNamesTheServiceAccountAndAnExistingRole() {
        List<Doc> bindings = new ArrayList<>(all(base, "ClusterRoleBinding"));
        bindings.addAll(all(base, "RoleBinding"));
        assertEquals(3, bindings.size(), "expected two ClusterRoleBindings and one RoleBinding: " + bindings);
        for (Doc binding : bindings) {
            JsonNode roleRef = binding.node().path("roleRef");
            assertEquals("rbac.authorization.k8s.io", roleRef.path("apiGroup").asText());
            find(base, roleRef.path("kind").asText(), roleRef.path("name").asText());
            JsonNode subjects = binding.node().path("subjects");
            assertEquals(1, subjects.size(), binding + " should have one subject");
            assertEquals("ServiceAccount", subjects.get(0).path("kind").asText());
            assertEquals(podSpec.path("serviceAccountName").asText(), subjects.get(0).path("name").asText(), binding.toString());
            assertEquals(deployment.namespace(), subjects.get(0).path("namespace").asText(), binding.toString());
            assertFalse(roleRef.path("name").asText().equals("hcp-rollback-requester"),
                    "the sidecar is allowed by its identity, not by the requester role");
        }
    }

    // --- RBAC against what the code calls ---

    @Test
    void serviceAccountHoldsWhatTheCodeCalls() {
        List<JsonNode> cluster = rulesBoundBy("ClusterRoleBinding");
        String hc = HasMetadata.getGroup(HostedCluster.class);
        String rb = HasMetadata.getGroup(ControlPlaneSnapshot.class);
        assertGrants(cluster, hc, HasMetadata.getPlural(HostedCluster.class), "get", "list", "watch", "patch", "update");
        assertGrants(cluster, hc, HasMetadata.getPlural(NodePool.class), "get", "list", "watch");
        for (String plural : List.of(HasMetadata.getPlural(ControlPlaneSnapshot.class),
                HasMetadata.getPlural(ControlPlaneRollback.class))) {
            assertGrants(cluster, rb, plural, "get", "list", "watch", "create", "update", "patch", "delete");
            assertGrants(cluster, rb, plural + "/status", "get", "update", "patch");
            assertGrants(cluster, rb, plural + "/finalizers", "update");
        }
        assertGrants(cluster, "authorization.k8s.io", "subjectaccessreviews", "create");
        assertGrants(cluster, "", "events", "create", "patch");
        assertGrants(cluster, "events.k8s.io", "events", "create", "patch");
        assertGrants(cluster, "networking.k8s.io", "networkpolicies", "get", "list", "watch", "create", "update", "patch",
                "delete");
        for (String resource : List.of("deployments", "statefulsets", "deployments/scale", "statefulsets/scale")) {
            assertGrants(cluster, "apps", resource, "get", "patch", "update");
        }
        assertGrants(cluster, "batch", "jobs", "get", "list", "watch", "create", "delete");
        assertGrants(cluster, "", "pods", "get", "list", "watch");
        assertGrants(cluster, "", "persistentvolumeclaims", "get");
        assertGrantsNamed(cluster, "", "secrets", "etcd-client-tls", "get");
        assertGrantsNamed(cluster, "", "secrets", ReleaseImageLookup.HYPERSHIFT_PULL_SECRET, "get");
        assertGrantsNamed(cluster, "", "configmaps", "etcd-ca", "get");

        List<JsonNode> own = rulesBoundBy("RoleBinding");
        assertGrants(own, "coordination.k8s.io", "leases", "get", "create", "update");
        assertFalse(grants(cluster, "coordination.k8s.io", "leases", "create", null),
                "leases belong in the namespaced Role, not cluster-wide");
        assertFalse(grants(own, "", "secrets", "get", "hcp-rollback-storage") || grants(cluster, "", "secrets", "get",
                "hcp-rollback-storage"), "storage credentials reach the pods as environment, never through the API");
    }

    @Test
    void secretsAndConfigMapsOnlyByNameAndOnlyGet() {
        for (Doc role : roles()) {
            for (JsonNode rule : role.node().path("rules")) {
                List<String> resources = texts(rule.path("resources"));
                if (resources.contains("secrets") || resources.contains("configmaps")) {
                    assertFalse(rule.path("resourceNames").isEmpty(), role + ": secrets/configmaps need resourceNames");
                    // a list or watch is held to resourceNames only with the field selector metadata.name (how an informer
                    // on one object asks: the rollback floors ConfigMap, AdmissionRulesOnRealApiServerIT shows it read)
                    assertTrue(List.of("get").equals(texts(rule.path("verbs")))
                            || List.of("get", "list", "watch").equals(texts(rule.path("verbs"))),
                            role + ": get, or get, list and watch of named objects only");
                }
                for (String field : List.of("apiGroups", "resources", "verbs")) {
                    assertFalse(texts(rule.path(field)).contains("*"), role + ": no wildcard in " + field);
                }
            }
        }
    }

    @Test
    void requesterRoleGrantsTheVerbTheWebhookAsksFor() {
        List<JsonNode> rules = new ArrayList<>();
        find(base, "ClusterRole", "hcp-rollback-requester").node().path("rules").forEach(rules::add);
        assertTrue(grants(rules, HostedCluster.GROUP, Authorizer.RESOURCE, Authorizer.VERB, null),
                "hcp-rollback-requester should grant " + Authorizer.VERB + " on " + Authorizer.RESOURCE);
        assertGrants(rules, HasMetadata.getGroup(ControlPlaneSnapshot.class),
                HasMetadata.getPlural(ControlPlaneSnapshot.class), "get", "list", "watch");
        assertGrants(rules, HasMetadata.getGroup(ControlPlaneRollback.class),
                HasMetadata.getPlural(ControlPlaneRollback.class), "get", "list", "watch");
        for (JsonNode rule : rules) {
            for (String verb : texts(rule.path("verbs"))) {
                assertTrue(Set.of(Authorizer.VERB, "get", "list", "watch").contains(verb),
                        "the requester role should grant no write: " + verb);
            }
        }
    }

    // --- Deployment ---

    @Test
    void deploymentIsHighlyAvailable() {
        JsonNode spec = deployment.node().path("spec");
        assertEquals(2, spec.path("replicas").asInt());
        Map<String, String> podLabels = map(spec.path("template").path("metadata").path("labels"));
        assertSelects(spec.path("selector").path("matchLabels"), podLabels, "Deployment selector");
        JsonNode antiAffinity = podSpec.path("affinity").path("podAntiAffinity");
        JsonNode preferred = antiAffinity.path("preferredDuringSchedulingIgnoredDuringExecution");
        assertFalse(preferred.isEmpty(), "podAntiAffinity should prefer spreading the replicas");
        assertTrue(StreamSupport.stream(preferred.spliterator(), false)
                .anyMatch(t -> t.path("podAffinityTerm").path("topologyKey").asText().equals("kubernetes.io/hostname")),
                "anti-affinity across nodes");
        for (JsonNode term : preferred) {
            assertSelects(term.path("podAffinityTerm").path("labelSelector").path("matchLabels"), podLabels,
                    "anti-affinity term");
        }
        Doc pdb = all(base, "PodDisruptionBudget").get(0);
        assertEquals(1, pdb.node().path("spec").path("minAvailable").asInt());
        assertSelects(pdb.node().path("spec").path("selector").path("matchLabels"), podLabels, "PodDisruptionBudget");

        String priorityClass = podSpec.path("priorityClassName").asText();
        assertFalse(priorityClass.isEmpty(), "the pod should have a priority class");
        if (!priorityClass.startsWith("system-")) {
            JsonNode pc = find(base, "PriorityClass", priorityClass).node();
            assertTrue(pc.path("value").asLong() > 0 && pc.path("value").asLong() < 1_000_000_000L,
                    "a user priority class must stay below the system range");
            assertFalse(pc.path("globalDefault").asBoolean());
        }
    }

    @Test
    void deploymentHasResourcesAndContainerAwareHeap() {
        JsonNode resources = container.path("resources");
        assertFalse(resources.path("requests").path("cpu").asText().isEmpty(), "cpu request");
        assertFalse(resources.path("requests").path("memory").asText().isEmpty(), "memory request");
        assertFalse(resources.path("limits").path("memory").asText().isEmpty(), "memory limit");
        String javaOpts = env("JAVA_OPTS_APPEND").path("value").asText();
        assertTrue(javaOpts.contains("-XX:MaxRAMPercentage="), "heap should follow the memory limit: " + javaOpts);
        // setting JAVA_OPTS_APPEND replaces the image's value, which carried this
        assertTrue(javaOpts.contains("-Djava.util.logging.manager=org.jboss.logmanager.LogManager"), javaOpts);
    }

    @Test
    void podRunsUnderTheRestrictedProfile() {
        JsonNode pod = podSpec.path("securityContext");
        assertTrue(pod.path("runAsNonRoot").asBoolean(), "pod runAsNonRoot");
        assertEquals("RuntimeDefault", pod.path("seccompProfile").path("type").asText());
        assertTrue(pod.path("runAsUser").isMissingNode(), "OpenShift's restricted SCC assigns the uid");
        JsonNode c = container.path("securityContext");
        assertTrue(c.path("runAsNonRoot").asBoolean(), "container runAsNonRoot");
        assertTrue(c.path("readOnlyRootFilesystem").asBoolean(), "readOnlyRootFilesystem");
        assertEquals("false", c.path("allowPrivilegeEscalation").asText(), "allowPrivilegeEscalation must be false");
        assertEquals(List.of("ALL"), texts(c.path("capabilities").path("drop")));
        assertTrue(c.path("capabilities").path("add").isMissingNode(), "no capability added");
        assertFalse(c.path("privileged").asBoolean());
        assertEquals("RuntimeDefault", c.path("seccompProfile").path("type").asText());
        assertFalse(podSpec.path("hostNetwork").asBoolean());
        for (JsonNode volume : podSpec.path("volumes")) {
            assertTrue(volume.path("hostPath").isMissingNode(), "no hostPath volumes");
        }
        // the JVM and Vert.x write to /tmp; the root filesystem is read-only
        JsonNode tmp = mountAt("/tmp");
        assertFalse(volume(tmp.path("name").asText()).path("emptyDir").isMissingNode(), "/tmp should be an emptyDir");
    }

    @Test
    void probesHitTheManagementPortAndHealthPaths() {
        int managementPort = Integer.parseInt(required(properties, "quarkus.management.port"));
        assertEquals("true", required(properties, "quarkus.management.enabled"));
        String health = resolve(managementRoot(), property(properties, "quarkus.smallrye-health.root-path", "health"));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("startupProbe", resolve(health, property(properties, "quarkus.smallrye-health.startup-path", "started")));
        expected.put("livenessProbe", resolve(health, property(properties, "quarkus.smallrye-health.liveness-path", "live")));
        expected.put("readinessProbe", resolve(health, property(properties, "quarkus.smallrye-health.readiness-path", "ready")));
        assertEquals("/q/health/ready", expected.get("readinessProbe"), "sanity: health paths resolve as Quarkus does");
        for (Map.Entry<String, String> probe : expected.entrySet()) {
            JsonNode get = container.path(probe.getKey()).path("httpGet");
            assertFalse(get.isMissingNode(), probe.getKey() + " should be an httpGet probe");
            assertEquals(probe.getValue(), get.path("path").asText(), probe.getKey() + " path");
            assertEquals(managementPort, containerPort(get.path("port")), probe.getKey() + " port");
            assertEquals(managementScheme(), get.path("scheme").asText("HTTP"), probe.getKey() + ": the scheme the management port serves");
        }
    }

    @Test
    void tlsSecretIsMountedWhereTheAppReadsIt() {
        Path cert = Path.of(required(properties, "hcp-rollback.tls.cert-file"));
        Path key = Path.of(required(properties, "hcp-rollback.tls.key-file"));
        assertEquals(cert.getParent(), key.getParent(), "certificate and key should sit in one directory");
        JsonNode mount = mountAt(cert.getParent().toString().replace('\\', '/'));
        assertTrue(mount.path("readOnly").asBoolean());
        assertEquals(tlsVolumeName(), mount.path("name").asText());
        assertEquals(TLS_SECRET, secretOfVolume(mount.path("name").asText()));
        // kubernetes.io/tls Secrets and service-ca both use these key names
        assertEquals("tls.crt", cert.getFileName().toString());
        assertEquals("tls.key", key.getFileName().toString());
        assertTrue(volume(tlsVolumeName()).path("secret").path("items").isMissingNode(),
                "project the whole Secret so both keys appear under their own names");
    }

    // --- Service and metrics ---

    @Test
    void serviceRoutesToTheWebhookPortOnly() {
        Doc service = find(base, "Service", serviceName());
        Map<String, String> podLabels = map(deployment.node().path("spec").path("template").path("metadata").path("labels"));
        assertSelects(service.node().path("spec").path("selector"), podLabels, "Service selector");
        JsonNode https = servicePort(service, "https");
        assertEquals(443, https.path("port").asInt());
        assertEquals(Integer.parseInt(required(properties, "quarkus.http.ssl-port")), containerPort(https.path("targetPort")));
        assertEquals(1, service.node().at("/spec/ports").size(), "metrics have a Service of their own");
        assertEquals("disabled", required(properties, "quarkus.http.insecure-requests"),
                "the webhook port is HTTPS only, so the Service exposes no plain HTTP port");
    }

    /**
     * The ServiceMonitor the base ships scrapes the metrics Service's port where Quarkus serves metrics, over
     * HTTPS (the management port serves the webhook's certificate), checking the name that certificate carries
     * with the CA of a ConfigMap the base ships: without it, the alerts see no target on a fresh install.
     */
    @Test
    void theServiceMonitorScrapesTheMetricsServiceOverTls() {
        Doc metricsService = find(base, "Service", METRICS_SERVICE);
        Map<String, String> podLabels = map(deployment.node().path("spec").path("template").path("metadata").path("labels"));
        assertSelects(metricsService.node().path("spec").path("selector"), podLabels, "metrics Service selector");
        JsonNode metrics = servicePort(metricsService, "metrics");
        assertEquals(Integer.parseInt(required(properties, "quarkus.management.port")), containerPort(metrics.path("targetPort")));

        Doc monitor = find(base, "ServiceMonitor", "hcp-rollback");
        Map<String, String> metricsLabels = map(metricsService.node().path("metadata").path("labels"));
        assertSelects(monitor.node().at("/spec/selector/matchLabels"), metricsLabels, "ServiceMonitor selector");
        Doc webhookService = find(base, "Service", serviceName());
        assertFalse(selects(monitor.node().at("/spec/selector/matchLabels"), map(webhookService.node().at("/metadata/labels"))),
                "the ServiceMonitor selects the metrics Service only");
        JsonNode endpoint = serviceMonitorEndpoint();
        assertEquals("metrics", endpoint.path("port").asText());
        assertEquals(resolve(managementRoot(), property(properties, "quarkus.micrometer.export.prometheus.path", "metrics")),
                endpoint.path("path").asText(), "metrics path on the management port");
        assertEquals("webhook", required(properties, "quarkus.management.tls-configuration-name"),
                "the management port serves the webhook's certificate");
        assertEquals("https", endpoint.path("scheme").asText());
        assertEquals(serviceName() + "." + NAMESPACE + ".svc", endpoint.at("/tlsConfig/serverName").asText(),
                "the name the serving certificate carries (service-ca's, and manifests/README.md's)");
        assertTrue(endpoint.at("/tlsConfig/insecureSkipVerify").isMissingNode(), "the certificate is checked");
        find(base, "ConfigMap", endpoint.at("/tlsConfig/ca/configMap/name").asText());
        assertTrue(endpoint.path("honorLabels").isMissingNode() || !endpoint.path("honorLabels").asBoolean(),
                "the series name no label the scrape sets: Prometheus' namespace and job stay");
        assertTrue(readme().contains("hcp-rollback-serving-ca"), "manifests/README.md says how to fill in the CA elsewhere");
    }

    private static JsonNode serviceMonitorEndpoint() {
        JsonNode endpoints = find(base, "ServiceMonitor", "hcp-rollback").node().at("/spec/endpoints");
        assertEquals(1, endpoints.size());
        return endpoints.get(0);
    }

    // --- webhooks ---

    @Test
    void webhooksCallTheServiceAtTheResourcePaths() {
        JsonNode webhooks = find(base, "ValidatingWebhookConfiguration", "hcp-rollback").node().path("webhooks");
        Set<String> names = new TreeSet<>();
        webhooks.forEach(w -> names.add(w.path("name").asText()));
        assertEquals(new TreeSet<>(List.of(HOSTED_CLUSTERS_WEBHOOK, SNAPSHOTS_WEBHOOK, HOSTED_CONTROL_PLANES_WEBHOOK,
                ROLLBACKS_WEBHOOK, UPDATES_WEBHOOK)), names);
        Set<String> served = jaxRsPaths();
        // the OLM bundle's carrier webhook only (olm-bundle/README.md); the kustomize install registers no such webhook
        assertTrue(served.remove("/validate/olm-certificate"), "the carrier's path is served: " + served);
        assertEquals(Set.of("/validate/hostedclusters", "/validate/controlplanesnapshots", "/validate/hostedcontrolplanes",
                "/validate/controlplanerollbacks", "/validate/controlplaneupdates"), served,
                "the webhook endpoints in AdmissionResource changed; update the webhook configuration");
        Doc service = find(base, "Service", serviceName());
        Set<String> called = new HashSet<>();
        for (JsonNode webhook : webhooks) {
            String name = webhook.path("name").asText();
            JsonNode target = webhook.path("clientConfig").path("service");
            assertEquals(service.name(), target.path("name").asText(), name);
            assertEquals(service.namespace(), target.path("namespace").asText(), name);
            assertEquals(servicePort(service, "https").path("port").asInt(), target.path("port").asInt(443), name);
            assertTrue(webhook.path("clientConfig").path("url").isMissingNode(), name + " should go through the Service");
            assertTrue(webhook.path("clientConfig").path("caBundle").isMissingNode(),
                    name + ": base carries no caBundle; the installer or service-ca supplies it");
            called.add(target.path("path").asText());

            assertEquals("Fail", webhook.path("failurePolicy").asText(), name);
            assertEquals("None", webhook.path("sideEffects").asText(), name);
            assertEquals("Equivalent", webhook.path("matchPolicy").asText(), name);
            assertEquals(List.of("v1"), texts(webhook.path("admissionReviewVersions")), name);
            int timeout = webhook.path("timeoutSeconds").asInt(10);
            assertTrue(timeout >= 1 && timeout <= 10, name + ": a short timeout, got " + timeout);
            // every namespace is guarded, the sidecar's own included: a HostedCluster there is no exception
            assertTrue(webhook.path("namespaceSelector").isMissingNode(), name + " should select every namespace");
        }
        assertEquals(served, called);
    }

    @Test
    void hostedClusterWebhookRules() {
        JsonNode webhook = webhook(HOSTED_CLUSTERS_WEBHOOK);
        assertEquals("/validate/hostedclusters", webhook.path("clientConfig").path("service").path("path").asText());
        JsonNode rule = onlyRule(webhook);
        assertEquals(List.of(HasMetadata.getGroup(HostedCluster.class)), texts(rule.path("apiGroups")));
        assertEquals(List.of(HasMetadata.getVersion(HostedCluster.class)), texts(rule.path("apiVersions")));
        assertEquals(List.of(HasMetadata.getPlural(HostedCluster.class)), texts(rule.path("resources")),
                "no status subresource: status writes never change a release");
        assertTrue(texts(rule.path("operations")).contains("UPDATE"));
        assertFalse(texts(rule.path("operations")).contains("DELETE"));
    }

    @Test
    void hostedClusterMatchConditionCoversReleaseFieldsAndRequestAnnotations() {
        JsonNode conditions = webhook(HOSTED_CLUSTERS_WEBHOOK).path("matchConditions");
        assertEquals(1, conditions.size(), "match conditions are ANDed: keep one expression with alternatives");
        String expression = conditions.get(0).path("expression").asText();
        for (String needle : List.of("object.spec.release.image", "oldObject.spec.release.image",
                "object.spec.controlPlaneRelease.image", "oldObject.spec.controlPlaneRelease.image",
                "has(object.spec.release.image)", "has(oldObject.spec.controlPlaneRelease.image)",
                "has(object.metadata.annotations)", "has(oldObject.metadata.annotations)",
                "'" + RollbackRequest.PREFIX + "'", "request.operation == 'CREATE'")) {
            assertTrue(expression.contains(needle), "matchCondition should mention " + needle + ": " + expression);
        }
        for (String key : List.of(RollbackRequest.TO_VERSION, RollbackRequest.REASON, RollbackRequest.DRY_RUN)) {
            assertTrue(key.startsWith(RollbackRequest.PREFIX), key + " is outside the prefix the condition matches");
        }
        assertReadsOldObjectOnlyOnUpdate(expression);
        assertTrue(expression.length() < 5000);
    }

    /**
     * The webhook configuration cannot import {@link HostedCluster#IMAGE_ANNOTATIONS}, so it writes the keys out: in
     * each of the two webhooks that guard them, one CEL list, which must be exactly the model's list, and no key
     * of HyperShift's written anywhere else in the expressions (a hand-written {@code k == '...'} beside the list).
     */
    @Test
    void theMatchConditionsGuardExactlyTheModelsImageAnnotations() {
        Pattern list = Pattern.compile("\\[\\s*('[^']*'\\s*,\\s*)*'[^']*'\\s*]\\s*\\.exists\\(k,");
        Pattern key = Pattern.compile("'(" + Pattern.quote(HostedCluster.GROUP + "/") + "[^']*)'");
        for (String name : List.of(HOSTED_CLUSTERS_WEBHOOK, HOSTED_CONTROL_PLANES_WEBHOOK)) {
            String expressions = StreamSupport.stream(webhook(name).path("matchConditions").spliterator(), false)
                    .map(condition -> condition.path("expression").asText()).collect(Collectors.joining("\n"));
            List<String> lists = list.matcher(expressions).results().map(MatchResult::group).toList();
            assertEquals(1, lists.size(), name + ": the guarded keys should be one CEL list: " + expressions);
            List<String> listed = key.matcher(lists.get(0)).results().map(m -> m.group(1)).toList();
            List<String> everywhere = key.matcher(expressions).results().map(m -> m.group(1)).toList();
            List<String> missing = HostedCluster.IMAGE_ANNOTATIONS.stream().filter(k -> !listed.contains(k)).toList();
            List<String> extra = listed.stream().filter(k -> !HostedCluster.IMAGE_ANNOTATIONS.contains(k)).toList();
            assertEquals(HostedCluster.IMAGE_ANNOTATIONS, listed, name + ": the CEL list differs from "
                    + "HostedCluster.IMAGE_ANNOTATIONS; missing " + missing + ", not in the model " + extra);
            assertEquals(listed, everywhere, name + ": a HyperShift key is written outside the list");
        }
    }

    /**
     * oldObject is null on CREATE, and a read of it there errors, which fails closed: every read must sit in the
     * UPDATE branch of the leading {@code (request.operation == 'CREATE' ? ... : ...)}, or behind
     * {@code request.operation != 'CREATE' &&} in a clause that has no else branch before the read.
     */
    private static void assertReadsOldObjectOnlyOnUpdate(String expression) {
        String create = "(request.operation == 'CREATE'";
        String notCreate = "request.operation != 'CREATE' &&";
        assertTrue(expression.startsWith(create), "the CREATE test must come first: " + expression);
        int depth = 0;
        int otherwise = -1;
        int end = -1;
        boolean quoted = false;
        List<Integer> elses = new ArrayList<>();
        for (int i = 0; i < expression.length(); i++) {
            char ch = expression.charAt(i);
            if (ch == '\'') {
                quoted = !quoted;
            } else if (!quoted) {
                depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
                assertTrue(depth >= 0, "unbalanced parentheses in the matchCondition");
                if (ch == ':') {
                    elses.add(i);
                }
                if (depth == 1 && ch == ':' && otherwise < 0) {
                    otherwise = i;
                }
                if (depth == 0 && end < 0 && otherwise > 0) {
                    end = i;
                }
            }
        }
        assertEquals(0, depth, "unbalanced parentheses in the matchCondition");
        assertFalse(quoted, "unterminated string in the matchCondition");
        for (int at = expression.indexOf("oldObject"); at >= 0; at = expression.indexOf("oldObject", at + 1)) {
            int read = at;
            boolean updateBranch = otherwise > 0 && read > otherwise && read < end;
            int guard = expression.lastIndexOf(notCreate, read);
            boolean guarded = guard >= 0 && expression.lastIndexOf(create, read) < guard
                    && elses.stream().noneMatch(colon -> colon > guard && colon < read);
            assertTrue(updateBranch || guarded, "oldObject is read where it may be null (CREATE) at "
                    + expression.substring(Math.max(0, read - 60), read + 9) + ": " + expression);
        }
    }

    @Test
    void snapshotWebhookRules() {
        JsonNode webhook = webhook(SNAPSHOTS_WEBHOOK);
        assertEquals("/validate/controlplanesnapshots", webhook.path("clientConfig").path("service").path("path").asText());
        JsonNode rule = onlyRule(webhook);
        String plural = HasMetadata.getPlural(ControlPlaneSnapshot.class);
        assertEquals(List.of(HasMetadata.getGroup(ControlPlaneSnapshot.class)), texts(rule.path("apiGroups")));
        assertEquals(List.of(HasMetadata.getVersion(ControlPlaneSnapshot.class)), texts(rule.path("apiVersions")));
        assertEquals(Set.of(plural, plural + "/status"), new HashSet<>(texts(rule.path("resources"))));
        assertEquals(Set.of("UPDATE", "DELETE"), new HashSet<>(texts(rule.path("operations"))));
        // SnapshotGuard allows the sidecar everything, so its own requests may skip the call
        JsonNode conditions = webhook.path("matchConditions");
        assertEquals(1, conditions.size());
        assertEquals("request.userInfo.username != '" + sidecarIdentity() + "'", conditions.get(0).path("expression").asText());
    }

    /** The sidecar's identity as admission requests name it, in the namespace the manifests install it in. */
    private static String sidecarIdentity() {
        return required(properties, "hcp-rollback.service-account")
                .replace("${POD_NAMESPACE:" + NAMESPACE + "}", deployment.namespace());
    }

    private static String configDefault(Class<?> group, String property) {
        try {
            return group.getMethod(property).getAnnotation(io.smallrye.config.WithDefault.class).value();
        } catch (NoSuchMethodException e) {
            return fail(group.getSimpleName() + " has no " + property);
        }
    }

    @Test
    void hostedControlPlaneWebhookRules() {
        JsonNode webhook = webhook(HOSTED_CONTROL_PLANES_WEBHOOK);
        JsonNode rule = onlyRule(webhook);
        assertEquals(List.of(HasMetadata.getGroup(HostedControlPlane.class)), texts(rule.path("apiGroups")));
        assertEquals(List.of(HasMetadata.getVersion(HostedControlPlane.class)), texts(rule.path("apiVersions")));
        assertEquals(List.of(HasMetadata.getPlural(HostedControlPlane.class)), texts(rule.path("resources")),
                "no status subresource: status writes never change a release image");
        assertEquals(Set.of("CREATE", "UPDATE"), new HashSet<>(texts(rule.path("operations"))));
        // HyperShift writes HostedControlPlanes all the time: its requests, and the sidecar's, skip the call
        JsonNode conditions = webhook.path("matchConditions");
        assertEquals(2, conditions.size());
        assertEquals("request.userInfo.username != '" + configDefault(HcpRollbackConfig.HyperShift.class,
                "operatorServiceAccount") + "' && request.userInfo.username != '" + sidecarIdentity() + "'",
                conditions.get(0).path("expression").asText());
        String changed = conditions.get(1).path("expression").asText();
        for (String needle : List.of("object.spec.releaseImage", "oldObject.spec.releaseImage",
                "object.spec.controlPlaneReleaseImage", "oldObject.spec.controlPlaneReleaseImage")) {
            assertTrue(changed.contains(needle), "matchCondition should mention " + needle + ": " + changed);
        }
        assertReadsOldObjectOnlyOnUpdate(changed);
    }

    @Test
    void rollbackWebhookRules() {
        JsonNode webhook = webhook(ROLLBACKS_WEBHOOK);
        JsonNode rule = onlyRule(webhook);
        String plural = HasMetadata.getPlural(ControlPlaneRollback.class);
        assertEquals(List.of(HasMetadata.getGroup(ControlPlaneRollback.class)), texts(rule.path("apiGroups")));
        assertEquals(List.of(HasMetadata.getVersion(ControlPlaneRollback.class)), texts(rule.path("apiVersions")));
        assertEquals(Set.of(plural, plural + "/status"), new HashSet<>(texts(rule.path("resources"))));
        assertEquals(Set.of("CREATE", "UPDATE"), new HashSet<>(texts(rule.path("operations"))),
                "a hand-made record is refused on CREATE; spec and status are guarded on UPDATE");
        JsonNode conditions = webhook.path("matchConditions");
        assertEquals(2, conditions.size());
        assertEquals("request.userInfo.username != '" + sidecarIdentity() + "'", conditions.get(0).path("expression").asText(),
                "the sidecar creates records and writes their status: it must never wait for its own webhook");
        String judged = conditions.get(1).path("expression").asText();
        for (String needle : List.of("request.operation == 'CREATE'", "request.subResource == 'status'", "object.spec",
                "oldObject.spec")) {
            assertTrue(judged.contains(needle), "matchCondition should mention " + needle + ": " + judged);
        }
    }

    // --- network policy and CRDs ---

    @Test
    void networkPolicyAdmitsTheApiServerAndMonitoringAndReachesEtcd() {
        Doc policy = all(base, "NetworkPolicy").get(0);
        JsonNode spec = policy.node().path("spec");
        Map<String, String> podLabels = map(deployment.node().path("spec").path("template").path("metadata").path("labels"));
        assertSelects(spec.path("podSelector").path("matchLabels"), podLabels, "NetworkPolicy podSelector");
        assertEquals(Set.of("Ingress", "Egress"), new HashSet<>(texts(spec.path("policyTypes"))));
        int sslPort = Integer.parseInt(required(properties, "quarkus.http.ssl-port"));
        int managementPort = Integer.parseInt(required(properties, "quarkus.management.port"));
        JsonNode webhookIngress = ruleWithPort(spec.path("ingress"), sslPort);
        assertTrue(webhookIngress.path("from").isMissingNode(), "the API server's address is unknown: admit 8443 from anywhere");
        JsonNode metricsIngress = ruleWithPort(spec.path("ingress"), managementPort);
        assertFalse(metricsIngress.path("from").isMissingNode(), "metrics only from monitoring");
        JsonNode etcd = ruleWithPort(spec.path("egress"), 2379);
        assertEquals("hypershift.openshift.io/hosted-control-plane", etcd.path("to").get(0).path("namespaceSelector")
                .path("matchExpressions").get(0).path("key").asText(), "etcd only in hosted control planes' namespaces");
        assertTrue(etcd.path("to").get(0).path("podSelector").isMissingNode(),
                "the default etcd (app: etcd) and every shard's (app: etcd-<shard>): no one label names them all");
        ruleWithPort(spec.path("egress"), 53);
        ruleWithPort(spec.path("egress"), 443);
    }

    /**
     * A mirror registry or a proxy on another port than 443: the overlay egress-ports adds a policy of its own (policies
     * add up, so the base stays as shipped and the same file serves an OLM install), whose ports are the one setting.
     */
    @Test
    void theEgressPortsOverlayOpensOnlyItsPortsForTheSidecarsPods() {
        Path overlay = Manifests.ROOT.resolve("overlays/egress-ports");
        JsonNode kustomization = Manifests.readOne(overlay.resolve("kustomization.yaml"));
        assertEquals(List.of("../../base", "networkpolicy-egress-ports.yaml"), texts(kustomization.path("resources")));
        Doc policy = find(Manifests.read(overlay.resolve("networkpolicy-egress-ports.yaml")), "NetworkPolicy", "hcp-rollback-egress-ports");
        JsonNode spec = policy.node().path("spec");
        Map<String, String> podLabels = map(deployment.node().path("spec").path("template").path("metadata").path("labels"));
        assertSelects(spec.path("podSelector").path("matchLabels"), podLabels, "the egress-ports policy's podSelector");
        assertEquals(NAMESPACE, policy.namespace());
        assertEquals(List.of("Egress"), texts(spec.path("policyTypes")), "no ingress: the base policy keeps deciding that");
        assertEquals(1, spec.path("egress").size(), "one rule, the one the overlay's patch example replaces (/spec/egress/0/ports)");
        JsonNode ports = spec.at("/egress/0/ports");
        assertFalse(ports.isMissingNode() || ports.isEmpty(), "a rule without ports would open every port");
        for (JsonNode port : ports) {
            assertEquals("TCP", port.path("protocol").asText());
            assertTrue(port.path("port").isInt(), "a port number: " + port);
        }
        ruleWithPort(spec.path("egress"), 5000);
        ruleWithPort(spec.path("egress"), 3128);
        String readme = readme();
        assertTrue(readme.contains("overlays/egress-ports"), "manifests/README.md should say how to open another port");
    }

    /**
     * Azure Blob with a workload identity: the webhook injects the identity into pods labelled
     * {@code azure.workload.identity/use: "true"} whose service account names the client id; the overlay changes those
     * two fields of the install and nothing else (the Deployment's selector stays, so an upgrade keeps its pods).
     */
    @Test
    void theAzureWorkloadIdentityOverlayLabelsThePodsAndAnnotatesTheServiceAccountOnly() {
        List<com.fasterxml.jackson.databind.node.ObjectNode> base = dev.hcprollback.testing.Kustomize.render(Manifests.BASE);
        List<com.fasterxml.jackson.databind.node.ObjectNode> overlay = dev.hcprollback.testing.Kustomize.render(
                Manifests.ROOT.resolve("overlays/azure-workload-identity"));
        assertEquals(base.size(), overlay.size());
        for (int i = 0; i < base.size(); i++) {
            com.fasterxml.jackson.databind.node.ObjectNode expected = base.get(i).deepCopy();
            String kind = expected.path("kind").asText();
            if (kind.equals("ServiceAccount") && expected.at("/metadata/name").asText().equals("hcp-rollback")) {
                expected.withObject("/metadata/annotations").put("azure.workload.identity/client-id",
                        "00000000-0000-0000-0000-000000000000");
            } else if (kind.equals("Deployment")) {
                expected.withObject("/spec/template/metadata/labels")
                        .put("azure.workload.identity/use", "true");
            }
            assertEquals(expected, overlay.get(i), kind + " " + expected.at("/metadata/name").asText());
        }
        assertTrue(readme().contains("overlays/azure-workload-identity"),
                "manifests/README.md should say how to run with a workload identity");
    }

    @Test
    void crdsAreTheProjectsOwnServeStatusAndFixTheirSpec() {
        Map<String, Class<? extends HasMetadata>> expected = Map.of(
                HasMetadata.getFullResourceName(ControlPlaneSnapshot.class), ControlPlaneSnapshot.class,
                HasMetadata.getFullResourceName(ControlPlaneRollback.class), ControlPlaneRollback.class,
                HasMetadata.getFullResourceName(ControlPlaneUpdate.class), ControlPlaneUpdate.class);
        List<Doc> crds = all(base, "CustomResourceDefinition");
        assertEquals(expected.keySet(), crds.stream().map(Doc::name).collect(Collectors.toSet()));
        for (Doc crd : crds) {
            Class<? extends HasMetadata> type = expected.get(crd.name());
            assertEquals(crd.name() + "-v1.yml", crd.file().getFileName().toString(), "keep the generator's file name");
            assertEquals(HasMetadata.getKind(type), crd.node().path("spec").path("names").path("kind").asText());
            JsonNode versions = crd.node().path("spec").path("versions");
            assertEquals(HasMetadata.getVersion(type), versions.get(0).path("name").asText());
            assertFalse(versions.get(0).path("subresources").path("status").isMissingNode(), crd.name() + " status");
            // evidence and admitted requests: a real API server refuses any spec change (the webhook does too)
            JsonNode rules = versions.get(0).at("/schema/openAPIV3Schema/properties/spec/x-kubernetes-validations");
            assertEquals(1, rules.size(), crd.name() + ": spec should carry one CEL rule");
            assertEquals("self == oldSelf", rules.get(0).path("rule").asText(), crd.name());
            assertTrue(rules.get(0).path("message").asText().startsWith("spec is immutable"), crd.name());
        }
    }

    // --- image ---

    @Test
    void dockerfileRunsTheFastJarAsNonRootOnAnyArchitecture() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("Dockerfile")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        String text = String.join("\n", lines);
        assertTrue(text.contains("ubi9/openjdk-17-runtime"), "runtime on the UBI 9 OpenJDK 17 runtime image");
        assertTrue(lines.stream().filter(l -> l.startsWith("FROM ")).count() >= 2, "multi-stage");
        assertTrue(lines.contains("USER 185"), "non-root runtime user");
        String lastUser = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("");
        assertEquals("USER 185", lastUser, "the final stage must end as the non-root user");
        String expose = lines.stream().filter(l -> l.startsWith("EXPOSE ")).findFirst().orElse("");
        assertTrue(expose.contains(required(properties, "quarkus.http.ssl-port")), expose);
        assertTrue(expose.contains(required(properties, "quarkus.management.port")), expose);
        for (String layer : List.of("quarkus-app/lib/", "quarkus-app/*.jar", "quarkus-app/app/", "quarkus-app/quarkus/")) {
            assertTrue(text.contains(layer), "fast-jar layout: copy " + layer);
        }
        assertTrue(text.contains("JAVA_APP_JAR=\"/deployments/quarkus-run.jar\""));
        assertTrue(text.contains("MaxRAMPercentage"));
        for (String arch : List.of("amd64", "arm64", "x86_64", "aarch64")) {
            assertFalse(text.contains(arch), "nothing architecture-specific in the Dockerfile: " + arch);
        }
        // the build stage compiles on the builder's platform (its output is the same for both); the runtime stage is
        // the target platform's, so only the build stage may name one
        List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertTrue(froms.get(0).startsWith("FROM --platform=$BUILDPLATFORM ") && froms.get(0).endsWith(" AS build"),
                "the build stage runs on $BUILDPLATFORM: " + froms.get(0));
        for (String from : froms.subList(1, froms.size())) {
            assertFalse(from.contains("--platform"), "the runtime stage is built for the target platform: " + from);
        }
        List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream().map(String::trim).toList();
        assertTrue(ignored.contains("target/") || ignored.contains("target"), ".dockerignore should leave out target");
    }

    @Test
    void readmeDocumentsEveryInstallAndTheRequesterBinding() {
        String readme = readme();
        for (String needle : List.of("kubectl apply -k .", "oc apply -k manifests/overlays/openshift",
                "kubectl apply -k manifests/overlays/cert-manager",
                "caBundle", TLS_SECRET, "name: hcp-rollback-requester", "kind: ClusterRoleBinding", "kind: RoleBinding")) {
            assertTrue(readme.contains(needle), "manifests/README.md should cover " + needle);
        }
    }

    // --- helpers ---

    private static void collectUnknownFields(Object value, String path, List<String> unknown, Set<Object> seen) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Enum<?>) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collectUnknownFields(v, path + "." + k, unknown, seen));
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collectUnknownFields(list.get(i), path + "[" + i + "]", unknown, seen);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.") || !seen.add(value)) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")
                    || java.lang.reflect.Modifier.isStatic(getter.getModifiers())) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
            } else {
                String name = getter.getName().substring(3);
                collectUnknownFields(field, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), unknown,
                        seen);
            }
        }
    }

    private static String readme() {
        try {
            return Files.readString(Manifests.ROOT.resolve("README.md"));
        } catch (IOException e) {
            return fail("manifests/README.md is missing");
        }
    }

    private static String serviceName() {
        return webhook(HOSTED_CLUSTERS_WEBHOOK).path("clientConfig").path("service").path("name").asText();
    }

    private static JsonNode webhook(String name) {
        for (JsonNode webhook : find(base, "ValidatingWebhookConfiguration", "hcp-rollback").node().path("webhooks")) {
            if (webhook.path("name").asText().equals(name)) {
                return webhook;
            }
        }
        return fail("no webhook " + name);
    }

    private static JsonNode onlyRule(JsonNode webhook) {
        assertEquals(1, webhook.path("rules").size(), webhook.path("name").asText() + " should have one rule");
        JsonNode rule = webhook.path("rules").get(0);
        assertEquals("Namespaced", rule.path("scope").asText("*"));
        return rule;
    }

    /** Paths of the POST endpoints of the admission resource, as JAX-RS composes them. */
    private static Set<String> jaxRsPaths() {
        jakarta.ws.rs.Path root = AdmissionResource.class.getAnnotation(jakarta.ws.rs.Path.class);
        assertNotNull(root);
        Set<String> paths = new TreeSet<>();
        for (Method method : AdmissionResource.class.getDeclaredMethods()) {
            jakarta.ws.rs.Path path = method.getAnnotation(jakarta.ws.rs.Path.class);
            if (path != null && method.isAnnotationPresent(jakarta.ws.rs.POST.class)) {
                paths.add(resolve(root.value(), path.value().replaceFirst("^/", "")));
            }
        }
        return paths;
    }

    /** HTTPS when the management port has a TLS configuration (it then serves nothing else), else HTTP. */
    private static String managementScheme() {
        return property(properties, "quarkus.management.tls-configuration-name", "").isEmpty() ? "HTTP" : "HTTPS";
    }

    private static String managementRoot() {
        return property(properties, "quarkus.management.root-path", "/q");
    }

    /** Quarkus's rule: a path with a leading slash is absolute, any other is relative to its base. */
    private static String resolve(String base, String path) {
        if (path.startsWith("/")) {
            return path;
        }
        return (base.endsWith("/") ? base : base + "/") + path;
    }

    private static JsonNode env(String name) {
        for (JsonNode env : container.path("env")) {
            if (env.path("name").asText().equals(name)) {
                return env;
            }
        }
        return fail("the container sets no " + name);
    }

    private static JsonNode mountAt(String path) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals(path)) {
                return mount;
            }
        }
        return fail("nothing is mounted at " + path);
    }

    private static JsonNode volume(String name) {
        for (JsonNode volume : podSpec.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        return fail("no volume " + name);
    }

    private static String tlsVolumeName() {
        String dir = Path.of(required(properties, "hcp-rollback.tls.cert-file")).getParent().toString().replace('\\', '/');
        return mountAt(dir).path("name").asText();
    }

    private static String secretOfVolume(String name) {
        return volume(name).path("secret").path("secretName").asText();
    }

    /** A port given by number or by the container port's name, as a number. */
    private static int containerPort(JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode declared : container.path("ports")) {
            if (declared.path("name").asText().equals(port.asText())) {
                return declared.path("containerPort").asInt();
            }
        }
        return fail("the container has no port named " + port.asText());
    }

    private static JsonNode servicePort(Doc service, String name) {
        for (JsonNode port : service.node().path("spec").path("ports")) {
            if (port.path("name").asText().equals(name)) {
                return port;
            }
        }
        return fail(service + " has no port named " + name);
    }

    private static JsonNode ruleWithPort(JsonNode rules, int port) {
        for (JsonNode rule : rules) {
            for (JsonNode p : rule.path("ports")) {
                if (p.path("port").asInt() == port) {
                    return rule;
                }
            }
        }
        return fail("no NetworkPolicy rule for port " + port);
    }

    private static boolean selects(JsonNode matchLabels, Map<String, String> labels) {
        return map(matchLabels).entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static void assertSelects(JsonNode matchLabels, Map<String, String> labels, String what) {
        Map<String, String> selector = map(matchLabels);
        assertFalse(selector.isEmpty(), what + " selects nothing");
        for (Map.Entry<String, String> entry : selector.entrySet()) {
            assertEquals(entry.getValue(), labels.get(entry.getKey()), what + " does not match the pod labels " + labels);
        }
    }

    private static List<Doc> roles() {
        List<Doc> roles = new ArrayList<>(all(base, "ClusterRole"));
        roles.addAll(all(base, "Role"));
        return roles;
    }

    /** Rules of the roles the service account gets through bindings of this kind. */
    private static List<JsonNode> rulesBoundBy(String bindingKind) {
        List<JsonNode> rules = new ArrayList<>();
        for (Doc binding : all(base, bindingKind)) {
            JsonNode roleRef = binding.node().path("roleRef");
            find(base, roleRef.path("kind").asText(), roleRef.path("name").asText()).node().path("rules").forEach(rules::add);
        }
        assertFalse(rules.isEmpty(), "no rules bound by " + bindingKind);
        return rules;
    }

    private static void assertGrants(List<JsonNode> rules, String group, String resource, String... verbs) {
        for (String verb : verbs) {
            assertTrue(grants(rules, group, resource, verb, null),
                    "RBAC should grant " + verb + " on " + resource + (group.isEmpty() ? "" : "." + group));
        }
    }

    private static void assertGrantsNamed(List<JsonNode> rules, String group, String resource, String name, String verb) {
        assertTrue(grants(rules, group, resource, verb, name), "RBAC should grant " + verb + " on " + resource + "/" + name);
    }

    private static Map<String, String> map(JsonNode object) {
        Map<String, String> values = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        return values;
    }
}
