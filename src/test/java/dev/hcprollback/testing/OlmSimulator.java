package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What OLM does, through the API of a {@link KubeApiServer}, when it installs a registry+v1 bundle directory
 * ({@code olm-bundle/}: {@code manifests/} with one ClusterServiceVersion) in AllNamespaces mode into one namespace,
 * where OLM cannot run (no OLM images, no kubelet). Each step below names the OLM source it follows, read at
 * operator-framework/operator-lifecycle-manager commit 992bb097 (2026-08-19); the CSV's own fields are read as
 * operator-framework/api's {@code ClusterServiceVersion} types define them.
 *
 * <ol>
 * <li>The bundle's CRDs, and its other manifests (ConfigMap, Services, ServiceMonitor, PrometheusRule, NetworkPolicy,
 * PodDisruptionBudget, PriorityClass, ClusterRoles) into the namespace, as the catalog operator's InstallPlan steps
 * create them.</li>
 * <li>For each service account of {@code spec.install.spec.permissions} and {@code clusterPermissions}: the
 * ServiceAccount; per permission a Role and RoleBinding, per cluster permission a ClusterRole and ClusterRoleBinding
 * ({@code pkg/controller/registry/resolver/rbac.go}, {@code RBACForClusterServiceVersion}). Names: OLM's form
 * {@code <csv>-<serviceaccount>-<hash>}, with the permission's index in place of the content hash.</li>
 * <li>For the deployment a webhook definition names ({@code pkg/controller/install/certresources.go},
 * {@code installCertRequirementsForDeployment}): the Service {@code <deployment>-service} (one port per definition,
 * named its {@code containerPort}, port {@code containerPort}, target {@code targetPort}; the Deployment's selector),
 * an EC P-256 CA (valid two years there, a day here) and a serving certificate for
 * {@code <service>.<namespace>}, {@code <service>.<namespace>.svc} and {@code <service>.<namespace>.svc.cluster.local}
 * ({@code pkg/controller/certs/certs.go}: key in {@code EC PRIVATE KEY} form), the {@code kubernetes.io/tls} Secret
 * {@code <service>-cert} with {@code tls.crt}, {@code tls.key} and the CA in {@code olmCAKey}, the Role and
 * RoleBinding of that name that let the service account read it, the ClusterRoleBinding
 * {@code <service>-system:auth-delegator} and the RoleBinding {@code <service>-auth-reader} in {@code kube-system};
 * in the Deployment, the volumes {@code apiservice-cert} and {@code webhook-cert}, the latter mounted at
 * {@code /tmp/k8s-webhook-server/serving-certs} with {@code tls.crt} and {@code tls.key}
 * ({@code AddDefaultCertVolumeAndVolumeMounts}), and the pod annotation {@code olmcahash}.</li>
 * <li>The Deployment of {@code spec.install.spec.deployments}, so changed.</li>
 * <li>Per validating webhook definition ({@code pkg/controller/install/webhook.go},
 * {@code createOrUpdateValidatingWebhook}; the webhook itself from {@code WebhookDescription.GetValidatingWebhook}):
 * a ValidatingWebhookConfiguration {@code generateName: <generateName>-}, labelled
 * {@code olm.webhook-description-generate-name: <generateName>} and {@code olm.managed: "true"}, whose one webhook
 * carries the definition's rules, policies and timeout, the Service {@code <deployment with '.' as '-'>-service} at
 * {@code containerPort} and {@code webhookPath}, the CA as {@code caBundle} and, in AllNamespaces mode, no
 * namespace selector.</li>
 * </ol>
 * Not done: the CSV's status phases, the {@code olm.owner*} labels and owner references to the CSV (no CSV object
 * exists here: the Operator Lifecycle Manager's own CRDs are not installed), the {@code olm.webhook-description-hash}
 * label, certificate rotation, upgrades. Other install modes, mutating and conversion webhooks and APIServices are
 * refused with an {@link IllegalStateException}.
 *
 * <p>{@link #start} then runs the Deployment's one container as the kubelet would, out of the cluster: its volumes
 * written below a folder standing for the container's root, its {@code env} and {@code envFrom} resolved from the API
 * server, its service account's token issued by the server (TokenRequest).
 */
public final class OlmSimulator {

    /** The bundle as this repository commits it. */
    public static final Path BUNDLE = Path.of("olm-bundle");
    /** Where OLM mounts the webhook's serving certificate ({@code AddDefaultCertVolumeAndVolumeMounts}). */
    public static final String WEBHOOK_CERT_DIR = "/tmp/k8s-webhook-server/serving-certs";
    /** The label OLM puts on the configuration of a webhook definition: the definition's generateName. */
    public static final String WEBHOOK_DESCRIPTION_LABEL = "olm.webhook-description-generate-name";
    private static final String OLM_MANAGED = "olm.managed";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final KubeApiServer server;
    private final Path dir;
    private final String namespace;
    private final ObjectNode csv;
    private final List<JsonNode> otherManifests = new ArrayList<>();
    private final List<CustomResourceDefinition> crds = new ArrayList<>();

    /**
     * Reads the bundle.
     *
     * @param dir where the simulator writes the certificates and the container's files
     * @throws IllegalStateException when {@code manifests/} holds no or several CSVs, or the CSV does not support
     *     AllNamespaces
     */
    public OlmSimulator(KubeApiServer server, Path bundle, String namespace, Path dir) {
        this.server = server;
        this.dir = dir;
        this.namespace = namespace;
        ObjectNode found = null;
        try (Stream<Path> files = Files.list(bundle.resolve("manifests"))) {
            for (Path file : files.sorted().toList()) {
                JsonNode object = YAML.readTree(file.toFile());
                String kind = object.path("kind").asText();
                if ("ClusterServiceVersion".equals(kind)) {
                    if (found != null) {
                        throw new IllegalStateException(bundle + " holds more than one ClusterServiceVersion");
                    }
                    found = (ObjectNode) object;
                } else if ("CustomResourceDefinition".equals(kind)) {
                    try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
                        crds.add(admin.getKubernetesSerialization().unmarshal(object.toString(), CustomResourceDefinition.class));
                    }
                } else {
                    otherManifests.add(object);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundle " + bundle, e);
        }
        if (found == null) {
            throw new IllegalStateException(bundle + "/manifests holds no ClusterServiceVersion");
        }
        csv = found;
        boolean allNamespaces = false;
        for (JsonNode mode : csv.path("spec").path("installModes")) {
            allNamespaces |= "AllNamespaces".equals(mode.path("type").asText()) && mode.path("supported").asBoolean();
        }
        if (!allNamespaces) {
            throw new IllegalStateException("the CSV does not support AllNamespaces, the one mode this simulator plays");
        }
    }

    /** The CSV as the bundle holds it. */
    public ObjectNode csv() {
        return csv;
    }

    private String csvName() {
        return csv.path("metadata").path("name").asText();
    }

    private JsonNode strategy() {
        return csv.path("spec").path("install").path("spec");
    }

    /**
     * Installs the bundle as OLM would (the steps of the class description), as the cluster administrator OLM acts
     * as; waits until the CRDs are established.
     *
     * @return the Deployment as OLM creates it (with the certificate's volumes)
     */
    public Deployment install() {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            Install.applyCrds(admin, crds);
            for (JsonNode manifest : otherManifests) {
                HasMetadata object = admin.getKubernetesSerialization().unmarshal(manifest.toString());
                if (!"PriorityClass".equals(object.getKind()) && !"ClusterRole".equals(object.getKind())) {
                    object.getMetadata().setNamespace(namespace);
                }
                admin.resource(object).create();
            }
            permissions(admin);
            List<Deployment> deployments = new ArrayList<>();
            for (JsonNode spec : strategy().path("deployments")) {
                Deployment deployment = admin.getKubernetesSerialization().unmarshal(
                        YAML.createObjectNode().put("apiVersion", "apps/v1").put("kind", "Deployment")
                                .set("spec", spec.path("spec")).toString(), Deployment.class);
                deployment.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                        .withName(spec.path("name").asText()).withNamespace(namespace).build());
                String caPem = certificates(admin, deployment);
                webhooks(admin, deployment.getMetadata().getName(), caPem);
                deployments.add(admin.resource(deployment).create());
            }
            if (deployments.size() != 1) {
                throw new IllegalStateException("this simulator runs a CSV of one deployment, not " + deployments.size());
            }
            return deployments.get(0);
        }
    }

    private void permissions(KubernetesClient admin) {
        int index = 0;
        for (String field : List.of("permissions", "clusterPermissions")) {
            for (JsonNode permission : strategy().path(field)) {
                String account = permission.path("serviceAccountName").asText();
                if (admin.serviceAccounts().inNamespace(namespace).withName(account).get() == null) {
                    admin.resource(new ServiceAccountBuilder().withNewMetadata().withName(account).withNamespace(namespace)
                            .endMetadata().build()).create();
                }
                List<PolicyRule> rules = List.of(admin.getKubernetesSerialization().unmarshal(
                        permission.path("rules").toString(), PolicyRule[].class));
                String name = csvName() + "-" + account + "-" + index++;
                if ("permissions".equals(field)) {
                    admin.resource(new RoleBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                            .withRules(rules).build()).create();
                    admin.resource(new RoleBindingBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                            .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                            .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject()
                            .build()).create();
                } else {
                    admin.resource(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules)
                            .build()).create();
                    admin.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
                            .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
                            .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject()
                            .build()).create();
                }
            }
        }
    }

    /** {@code installCertRequirementsForDeployment}; the CA (PEM), or null when no webhook names the deployment. */
    private String certificates(KubernetesClient admin, Deployment deployment) {
        String deploymentName = deployment.getMetadata().getName();
        List<ServicePort> ports = new ArrayList<>();
        for (JsonNode definition : csv.path("spec").path("webhookdefinitions")) {
            if (!"ValidatingAdmissionWebhook".equals(definition.path("type").asText())) {
                throw new IllegalStateException("this simulator plays validating webhooks only, not " + definition.path("type"));
            }
            if (!deploymentName.equals(definition.path("deploymentName").asText())) {
                continue;
            }
            int containerPort = definition.path("containerPort").asInt(443);
            JsonNode target = definition.path("targetPort");
            ServicePort port = new io.fabric8.kubernetes.api.model.ServicePortBuilder().withName(Integer.toString(containerPort))
                    .withPort(containerPort).withNewTargetPort().withValue(target.isMissingNode() ? containerPort
                            : target.isInt() ? (Object) target.asInt() : target.asText()).endTargetPort().build();
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        if (ports.isEmpty()) {
            return null;
        }
        String service = deploymentName + "-service";
        admin.resource(new ServiceBuilder().withNewMetadata().withName(service).withNamespace(namespace)
                .withLabels(Map.of(OLM_MANAGED, "true")).endMetadata().withNewSpec().withPorts(ports)
                .withSelector(deployment.getSpec().getSelector().getMatchLabels()).endSpec().build()).create();

        TestCertificates ca = TestCertificates.newAuthority(dir.resolve("olm-ca"), "olm-selfsigned");
        TestCertificates.Issued serving = ca.issueFor(dir.resolve("olm-ca"), service, Duration.ofDays(1), List.of(
                service + "." + namespace, service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local"));
        String secretName = service + "-cert";
        admin.resource(new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace)
                .withLabels(Map.of(OLM_MANAGED, "true")).endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", base64(serving.certPem()), "tls.key", base64(sec1KeyPem(serving)),
                        "olmCAKey", base64(ca.caPem())))
                .build()).create();
        String account = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
        if (account == null || account.isEmpty()) {
            account = "default";
        }
        admin.resource(new RoleBuilder().withNewMetadata().withName(secretName).withNamespace(namespace).endMetadata()
                .addNewRule().withApiGroups("").withResources("secrets").withResourceNames(secretName).withVerbs("get").endRule()
                .build()).create();
        admin.resource(new RoleBindingBuilder().withNewMetadata().withName(secretName).withNamespace(namespace).endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", secretName)
                .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject().build()).create();
        admin.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(service + "-system:auth-delegator").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "system:auth-delegator")
                .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject().build()).create();
        admin.resource(new RoleBindingBuilder().withNewMetadata().withName(service + "-auth-reader").withNamespace("kube-system")
                .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", "extension-apiserver-authentication-reader")
                .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject().build()).create();

        DeploymentSpec spec = deployment.getSpec();
        mountCertificate(spec, new VolumeBuilder().withName("apiservice-cert").withNewSecret().withSecretName(secretName)
                .withItems(new KeyToPath("tls.crt", null, "apiserver.crt"), new KeyToPath("tls.key", null, "apiserver.key"))
                .endSecret().build(), "/apiserver.local.config/certificates");
        mountCertificate(spec, new VolumeBuilder().withName("webhook-cert").withNewSecret().withSecretName(secretName)
                .withItems(new KeyToPath("tls.crt", null, "tls.crt"), new KeyToPath("tls.key", null, "tls.key"))
                .endSecret().build(), WEBHOOK_CERT_DIR);
        Map<String, String> annotations = spec.getTemplate().getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(spec.getTemplate().getMetadata().getAnnotations());
        annotations.put("olmcahash", Integer.toHexString(ca.caPem().hashCode()));
        spec.getTemplate().getMetadata().setAnnotations(annotations);
        return ca.caPem();
    }

    /** {@code addCertVolumeAndVolumeMount}: the volume replaces one of its name; a mount at the same path is replaced. */
    private static void mountCertificate(DeploymentSpec spec, Volume volume, String path) {
        List<Volume> volumes = new ArrayList<>(spec.getTemplate().getSpec().getVolumes());
        volumes.removeIf(v -> v.getName().equals(volume.getName()));
        volumes.add(volume);
        spec.getTemplate().getSpec().setVolumes(volumes);
        VolumeMount mount = new VolumeMountBuilder().withName(volume.getName()).withMountPath(path).build();
        for (var container : spec.getTemplate().getSpec().getContainers()) {
            List<VolumeMount> mounts = new ArrayList<>(container.getVolumeMounts());
            boolean found = false;
            for (int i = 0; i < mounts.size() && !found; i++) {
                if (mounts.get(i).getName().equals(volume.getName())) {
                    found = true;
                } else if (mounts.get(i).getMountPath().equals(path)) {
                    mounts.set(i, mount);
                    found = true;
                }
            }
            if (!found) {
                mounts.add(mount);
            }
            container.setVolumeMounts(mounts);
        }
    }

    /** {@code createOrUpdateValidatingWebhook} for the definitions of {@code deploymentName}. */
    private void webhooks(KubernetesClient admin, String deploymentName, String caPem) {
        for (JsonNode definition : csv.path("spec").path("webhookdefinitions")) {
            if (!deploymentName.equals(definition.path("deploymentName").asText())) {
                continue;
            }
            ObjectNode webhook = YAML.createObjectNode();
            webhook.put("name", definition.path("generateName").asText());
            for (String field : List.of("rules", "failurePolicy", "matchPolicy", "objectSelector", "sideEffects",
                    "timeoutSeconds", "admissionReviewVersions")) {
                if (definition.has(field)) {
                    webhook.set(field, definition.get(field));
                }
            }
            ObjectNode service = webhook.putObject("clientConfig").put("caBundle", base64(caPem)).putObject("service");
            service.put("name", deploymentName.replace('.', '-') + "-service").put("namespace", namespace)
                    .put("path", definition.path("webhookPath").asText()).put("port", definition.path("containerPort").asInt(443));
            String generateName = definition.path("generateName").asText();
            admin.resource(new ValidatingWebhookConfigurationBuilder().withNewMetadata().withGenerateName(generateName + "-")
                    .withLabels(Map.of(WEBHOOK_DESCRIPTION_LABEL, generateName, OLM_MANAGED, "true")).endMetadata()
                    .withWebhooks(admin.getKubernetesSerialization().unmarshal(webhook.toString(), ValidatingWebhook.class))
                    .build()).create();
        }
    }

    /**
     * The Deployment's one container, run as the kubelet would run it, out of the cluster: each volume it mounts is
     * written below {@code <dir>/root} (emptyDir, configMap and secret volumes, read from the API server), each
     * {@code env} value that names a path under a mount is moved there, {@code fieldRef}s are the pod's namespace and
     * name, {@code envFrom} is read from the API server (an optional source that is missing is left out, as the kubelet
     * does). The sidecar authenticates with a token of the pod's service account, issued by the server
     * (TokenRequest), as the kubelet's projected token; {@code JAVA_OPTS_APPEND} is for the image's launcher, which
     * does not run here.
     *
     * @param settings further system properties (a test's own, say which and why)
     */
    public SidecarProcess start(Deployment deployment, Map<String, String> settings) throws IOException {
        var pod = deployment.getSpec().getTemplate().getSpec();
        if (pod.getContainers().size() != 1) {
            throw new IllegalStateException("this simulator runs a pod of one container");
        }
        var container = pod.getContainers().get(0);
        Path root = dir.resolve("root");
        TestTools.deleteRecursively(root);
        List<String> mountPaths = new ArrayList<>();
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            for (VolumeMount mount : container.getVolumeMounts()) {
                Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no volume " + mount.getName()));
                Path target = Files.createDirectories(root.resolve(mount.getMountPath().substring(1)));
                mountPaths.add(mount.getMountPath());
                if (volume.getConfigMap() != null) {
                    ConfigMap configMap = admin.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
                    if (configMap == null) {
                        throw new IllegalStateException("the pod cannot start: no ConfigMap " + volume.getConfigMap().getName());
                    }
                    write(target, configMap.getData(), volume.getConfigMap().getItems(), false);
                } else if (volume.getSecret() != null) {
                    Secret secret = admin.secrets().inNamespace(namespace).withName(volume.getSecret().getSecretName()).get();
                    if (secret == null) {
                        throw new IllegalStateException("the pod cannot start: no Secret " + volume.getSecret().getSecretName());
                    }
                    write(target, secret.getData(), volume.getSecret().getItems(), true);
                } else if (volume.getEmptyDir() == null) {
                    throw new IllegalStateException("a volume of a kind this simulator does not mount: " + volume.getName());
                }
            }
            Map<String, String> environment = new LinkedHashMap<>();
            for (EnvFromSource from : container.getEnvFrom()) {
                Map<String, String> values = from.getConfigMapRef() != null
                        ? data(admin.configMaps().inNamespace(namespace).withName(from.getConfigMapRef().getName()).get(), false)
                        : data(admin.secrets().inNamespace(namespace).withName(from.getSecretRef().getName()).get(), true);
                boolean optional = Boolean.TRUE.equals(from.getConfigMapRef() != null ? from.getConfigMapRef().getOptional()
                        : from.getSecretRef().getOptional());
                if (values == null && !optional) {
                    throw new IllegalStateException("the pod cannot start: envFrom " + from + " is missing");
                }
                if (values != null) {
                    environment.putAll(values);
                }
            }
            for (EnvVar env : container.getEnv()) {
                environment.put(env.getName(), value(env, deployment, root, mountPaths));
            }
            String account = pod.getServiceAccountName();
            String token = admin.serviceAccounts().inNamespace(namespace).withName(account)
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                    .getStatus().getToken();
            Map<String, String> config = new LinkedHashMap<>(server.sidecarConfig(token));
            // in a pod, the namespace file of the service account's mount
            config.put("quarkus.kubernetes-client.namespace", namespace);
            config.putAll(settings);
            return SidecarProcess.start(Files.createDirectories(dir.resolve("sidecar")), config, environment);
        }
    }

    /**
     * The loopback address a Service's port reaches on the running sidecar: the Service's selector must select the
     * pod, its {@code targetPort} must be one of the container's ports, and that port one the sidecar listens on (the
     * pod's {@code containerPort} 8443 is its {@code quarkus.http.ssl-port}, 9000 its management port).
     *
     * @return {@code host:port} to route {@code <service>.<namespace>.svc:<port>} to
     * @throws IllegalStateException naming what does not match
     */
    public String endpoint(Deployment deployment, SidecarProcess sidecar, String serviceName, int port) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            Service service = admin.services().inNamespace(namespace).withName(serviceName).get();
            if (service == null) {
                throw new IllegalStateException("no Service " + serviceName);
            }
            Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
            if (!labels.entrySet().containsAll(service.getSpec().getSelector().entrySet())) {
                throw new IllegalStateException("the Service " + serviceName + " selects " + service.getSpec().getSelector()
                        + ", not the pod " + labels);
            }
            ServicePort servicePort = service.getSpec().getPorts().stream().filter(p -> p.getPort() == port).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the Service " + serviceName + " has no port " + port));
            var target = servicePort.getTargetPort();
            ContainerPort containerPort = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
                    .filter(p -> target.getStrVal() != null ? target.getStrVal().equals(p.getName())
                            : target.getIntVal().equals(p.getContainerPort()))
                    .findFirst().orElseThrow(() -> new IllegalStateException("the Service " + serviceName + " port " + port
                            + " targets " + target + ", which the container does not expose"));
            int local = switch (containerPort.getContainerPort()) {
                case 8443 -> sidecar.httpsPort;
                case 9000 -> sidecar.managementPort;
                default -> throw new IllegalStateException("the sidecar listens on no port " + containerPort.getContainerPort());
            };
            return SidecarProcess.LOOPBACK + ":" + local;
        }
    }

    private static String value(EnvVar env, Deployment deployment, Path root, List<String> mountPaths) {
        if (env.getValueFrom() != null) {
            String field = env.getValueFrom().getFieldRef() == null ? null : env.getValueFrom().getFieldRef().getFieldPath();
            if ("metadata.namespace".equals(field)) {
                return deployment.getMetadata().getNamespace();
            }
            if ("metadata.name".equals(field)) {
                return deployment.getMetadata().getName() + "-olm-simulated";
            }
            throw new IllegalStateException("an env source this simulator does not resolve: " + env);
        }
        String value = env.getValue();
        for (String mount : mountPaths) {
            if (value != null && value.startsWith(mount + "/")) {
                return root.resolve(value.substring(1)).toAbsolutePath().toString();
            }
        }
        return value;
    }

    private static Map<String, String> data(HasMetadata source, boolean base64) {
        if (source == null) {
            return null;
        }
        Map<String, String> data = source instanceof ConfigMap c ? c.getData() : ((Secret) source).getData();
        Map<String, String> values = new LinkedHashMap<>();
        if (data != null) {
            data.forEach((k, v) -> values.put(k, base64 ? new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8) : v));
        }
        return values;
    }

    private static void write(Path target, Map<String, String> data, List<KeyToPath> items, boolean base64) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        if (items == null || items.isEmpty()) {
            data.forEach(files::put);
        } else {
            for (KeyToPath item : items) {
                if (!data.containsKey(item.getKey())) {
                    throw new IllegalStateException("the pod cannot start: no key " + item.getKey() + " to mount");
                }
                files.put(item.getPath(), data.get(item.getKey()));
            }
        }
        for (var file : files.entrySet()) {
            Path path = target.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            if (base64) {
                Files.write(path, Base64.getDecoder().decode(file.getValue()));
            } else {
                Files.writeString(path, file.getValue());
            }
        }
    }

    /**
     * The serving key as OLM writes it: {@code EC PRIVATE KEY}, SEC 1 with the curve and the public key, as Go's
     * {@code x509.MarshalECPrivateKey} encodes it ({@code pkg/controller/certs/certs.go}, {@code KeyPair.ToPEM}).
     */
    private static String sec1KeyPem(TestCertificates.Issued serving) {
        try {
            var key = (java.security.interfaces.ECPrivateKey) serving.keys().getPrivate();
            var publicKey = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(serving.keys().getPublic().getEncoded());
            var curve = org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(publicKey.getAlgorithm().getParameters());
            byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(key.getParams().getOrder().bitLength(), key.getS(),
                    publicKey.getPublicKeyData(), curve).getEncoded();
            java.io.StringWriter text = new java.io.StringWriter();
            try (var pem = new org.bouncycastle.util.io.pem.PemWriter(text)) {
                pem.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", der));
            }
            return text.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
