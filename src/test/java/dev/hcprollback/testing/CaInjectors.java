package dev.hcprollback.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * What the two certificate programs an install relies on do to the objects of a {@link KubeApiServer}, where neither
 * runs: cert-manager (its certificate controller and CA injector) and OpenShift's service-ca operator. Each
 * {@code reconcile()} is one pass through the API, reading and writing only what the program reads and writes; a
 * test calls it where the program would have acted. Certificates are issued by {@link TestCertificates} (key types
 * and sizes are the test authority's, not the ones a {@code Certificate} asks for).
 */
public final class CaInjectors {

    private CaInjectors() {
    }

    /**
     * cert-manager 1.x, for the objects the install's cert-manager overlay uses: an {@code Issuer} that is
     * {@code selfSigned} or {@code ca}; a {@code Certificate} with {@code secretName}, {@code dnsNames} and
     * {@code isCA}, issued into a {@code kubernetes.io/tls} Secret with {@code tls.crt}, {@code tls.key} and
     * {@code ca.crt} (for a self-signed CA, itself; else the issuing CA); and the CA injector: the Secret's
     * {@code ca.crt} of the Certificate that {@code cert-manager.io/inject-ca-from: <namespace>/<name>} names, into
     * {@code caBundle} of every webhook of an annotated ValidatingWebhookConfiguration. Anything else of
     * cert-manager's (ACME, ClusterIssuers, renewal) is refused or left alone.
     */
    public static final class CertManager {

        public static final String INJECT_CA_FROM = "cert-manager.io/inject-ca-from";
        private static final ResourceDefinitionContext CERTIFICATES = context("Certificate", "certificates");
        private static final ResourceDefinitionContext ISSUERS = context("Issuer", "issuers");

        private final KubeApiServer server;
        private final Path dir;
        /** The CAs issued so far, by namespace/Secret name: what a {@code ca} Issuer signs with. */
        private final Map<String, TestCertificates> authorities = new HashMap<>();

        /** @param dir where the issued certificates' files go */
        public CertManager(KubeApiServer server, Path dir) {
            this.server = server;
            this.dir = dir;
        }

        /**
         * Issues every Certificate whose Secret is missing and whose Issuer can sign (a {@code ca} Issuer once its
         * Secret exists), as often as that makes progress, then injects the CAs.
         *
         * @return the Certificates issued, as namespace/name
         * @throws IllegalStateException for an Issuer of a kind this does not play
         */
        public List<String> reconcile() {
            List<String> issued = new ArrayList<>();
            try (KubernetesClient client = server.client(TestUser.ADMIN)) {
                boolean progress = true;
                while (progress) {
                    progress = false;
                    for (GenericKubernetesResource certificate : client.genericKubernetesResources(CERTIFICATES)
                            .inAnyNamespace().list().getItems()) {
                        if (issue(client, certificate)) {
                            issued.add(certificate.getMetadata().getNamespace() + "/" + certificate.getMetadata().getName());
                            progress = true;
                        }
                    }
                }
                injectCas(client);
            }
            return issued;
        }

        private boolean issue(KubernetesClient client, GenericKubernetesResource certificate) {
            String namespace = certificate.getMetadata().getNamespace();
            Map<String, Object> spec = map(certificate.getAdditionalProperties().get("spec"));
            String secretName = (String) spec.get("secretName");
            if (client.secrets().inNamespace(namespace).withName(secretName).get() != null) {
                return false;
            }
            Map<String, Object> issuerRef = map(spec.get("issuerRef"));
            GenericKubernetesResource issuer = client.genericKubernetesResources(ISSUERS).inNamespace(namespace)
                    .withName((String) issuerRef.get("name")).get();
            if (issuer == null) {
                return false;
            }
            Map<String, Object> issuerSpec = map(issuer.getAdditionalProperties().get("spec"));
            String name = certificate.getMetadata().getName();
            TestCertificates signer;
            if (issuerSpec.containsKey("selfSigned") && Boolean.TRUE.equals(spec.get("isCA"))) {
                signer = null;
            } else if (issuerSpec.containsKey("ca")) {
                String caSecret = (String) map(issuerSpec.get("ca")).get("secretName");
                signer = authorities.get(namespace + "/" + caSecret);
                if (signer == null || client.secrets().inNamespace(namespace).withName(caSecret).get() == null) {
                    return false; // the CA Issuer is not ready yet
                }
            } else {
                throw new IllegalStateException("Issuer " + namespace + "/" + issuer.getMetadata().getName()
                        + " is of a kind this simulator does not play: " + issuerSpec.keySet());
            }
            Map<String, String> data = new LinkedHashMap<>();
            if (signer == null) {
                TestCertificates authority = TestCertificates.newRsaAuthority(dir.resolve(namespace), name);
                authorities.put(namespace + "/" + secretName, authority);
                data.put("tls.crt", authority.caPem());
                data.put("tls.key", authority.caKeyPem());
                data.put("ca.crt", authority.caPem());
            } else {
                @SuppressWarnings("unchecked")
                List<String> dnsNames = (List<String>) spec.getOrDefault("dnsNames", List.of());
                TestCertificates.Issued serving = signer.issueFor(dir.resolve(namespace), name, Duration.ofDays(1), dnsNames);
                data.put("tls.crt", serving.certPem());
                data.put("tls.key", serving.keyPem());
                data.put("ca.crt", signer.caPem());
            }
            client.resource(tlsSecret(namespace, secretName, data,
                    Map.of("cert-manager.io/certificate-name", name, "cert-manager.io/issuer-name",
                            issuer.getMetadata().getName()))).create();
            return true;
        }

        private static void injectCas(KubernetesClient client) {
            for (ValidatingWebhookConfiguration configuration : client.admissionRegistration().v1()
                    .validatingWebhookConfigurations().list().getItems()) {
                String from = annotation(configuration.getMetadata().getAnnotations(), INJECT_CA_FROM);
                if (from == null) {
                    continue;
                }
                String[] ref = from.split("/", 2);
                GenericKubernetesResource certificate = client.genericKubernetesResources(CERTIFICATES).inNamespace(ref[0])
                        .withName(ref[1]).get();
                if (certificate == null) {
                    continue; // the injector waits for the Certificate
                }
                Secret secret = client.secrets().inNamespace(ref[0])
                        .withName((String) map(certificate.getAdditionalProperties().get("spec")).get("secretName")).get();
                if (secret != null && secret.getData().get("ca.crt") != null) {
                    setCaBundle(client, configuration, secret.getData().get("ca.crt"));
                }
            }
        }

        private static ResourceDefinitionContext context(String kind, String plural) {
            return new ResourceDefinitionContext.Builder().withGroup("cert-manager.io").withVersion("v1").withKind(kind)
                    .withPlural(plural).withNamespaced(true).build();
        }
    }

    /**
     * OpenShift's service-ca operator: for a Service annotated
     * {@code service.beta.openshift.io/serving-cert-secret-name: <secret>}, a {@code kubernetes.io/tls} Secret of that
     * name with {@code tls.crt} and {@code tls.key} for {@code <service>.<namespace>.svc} and
     * {@code <service>.<namespace>.svc.cluster.local}, signed by the service CA (no {@code ca.crt}); and for every
     * object annotated {@code service.beta.openshift.io/inject-cabundle: "true"}, the service CA: in {@code caBundle}
     * of every webhook of a ValidatingWebhookConfiguration, in the key {@code service-ca.crt} of a ConfigMap.
     */
    public static final class ServiceCa {

        public static final String SERVING_CERT_SECRET_NAME = "service.beta.openshift.io/serving-cert-secret-name";
        public static final String INJECT_CABUNDLE = "service.beta.openshift.io/inject-cabundle";

        private final KubeApiServer server;
        private final Path dir;
        private final TestCertificates authority;

        /** @param dir where the service CA's and the issued certificates' files go */
        public ServiceCa(KubeApiServer server, Path dir) {
            this.server = server;
            this.dir = dir;
            this.authority = TestCertificates.newRsaAuthority(dir, "openshift-service-serving-signer");
        }

        /** The service CA, PEM: what a client of a serving certificate trusts. */
        public String caPem() {
            return authority.caPem();
        }

        /** Issues the missing serving certificates and injects the service CA, once. */
        public void reconcile() {
            try (KubernetesClient client = server.client(TestUser.ADMIN)) {
                for (Service service : client.services().inAnyNamespace().list().getItems()) {
                    String secretName = annotation(service.getMetadata().getAnnotations(), SERVING_CERT_SECRET_NAME);
                    String namespace = service.getMetadata().getNamespace();
                    if (secretName == null || client.secrets().inNamespace(namespace).withName(secretName).get() != null) {
                        continue;
                    }
                    String host = service.getMetadata().getName() + "." + namespace + ".svc";
                    TestCertificates.Issued serving = authority.issueFor(dir.resolve(namespace), service.getMetadata().getName(),
                            Duration.ofDays(1), List.of(host, host + ".cluster.local"));
                    Map<String, String> data = new LinkedHashMap<>();
                    data.put("tls.crt", serving.certPem());
                    data.put("tls.key", serving.keyPem());
                    client.resource(tlsSecret(namespace, secretName, data,
                            Map.of("service.beta.openshift.io/originating-service-name", service.getMetadata().getName())))
                            .create();
                }
                String ca = base64(authority.caPem());
                for (ValidatingWebhookConfiguration configuration : client.admissionRegistration().v1()
                        .validatingWebhookConfigurations().list().getItems()) {
                    if ("true".equals(annotation(configuration.getMetadata().getAnnotations(), INJECT_CABUNDLE))) {
                        setCaBundle(client, configuration, ca);
                    }
                }
                for (ConfigMap configMap : client.configMaps().inAnyNamespace().list().getItems()) {
                    if ("true".equals(annotation(configMap.getMetadata().getAnnotations(), INJECT_CABUNDLE))) {
                        client.configMaps().inNamespace(configMap.getMetadata().getNamespace())
                                .withName(configMap.getMetadata().getName())
                                .edit(c -> {
                                    Map<String, String> data = c.getData() == null ? new LinkedHashMap<>() : c.getData();
                                    data.put("service-ca.crt", authority.caPem());
                                    c.setData(data);
                                    return c;
                                });
                    }
                }
            }
        }
    }

    /** Every webhook of {@code configuration} gets {@code caBundle} (base64 PEM), as both injectors write it. */
    private static void setCaBundle(KubernetesClient client, ValidatingWebhookConfiguration configuration, String caBundle) {
        client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withName(configuration.getMetadata().getName()).edit(c -> {
                    for (ValidatingWebhook webhook : c.getWebhooks()) {
                        webhook.getClientConfig().setCaBundle(caBundle);
                    }
                    return c;
                });
    }

    private static Secret tlsSecret(String namespace, String name, Map<String, String> pem, Map<String, String> annotations) {
        Map<String, String> data = new LinkedHashMap<>();
        pem.forEach((key, value) -> data.put(key, base64(value)));
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).withAnnotations(annotations)
                .endMetadata().withType("kubernetes.io/tls").withData(data).build();
    }

    private static String annotation(Map<String, String> annotations, String key) {
        return annotations == null ? null : annotations.get(key);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
