package dev.hcprollback.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.RealAdmission;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.TestUser;
import dev.hcprollback.testing.WebhookProbes;

/**
 * The install on a real API server: the base applies, the webhooks get their CA the way manifests/README.md
 * says ({@link Install#applyWebhooks}), the sidecar runs as its service account and serves every webhook the
 * server calls, and the webhooks' filters evaluate on our own objects' shapes.
 */
class InstallOnRealApiServerIT {

    private static final String NAMESPACE = "install-it";
    private static final ResourceDefinitionContext ROLLBACKS = new ResourceDefinitionContext.Builder()
            .withGroup("rollback.hypershift.openshift.io").withVersion("v1alpha1").withPlural("controlplanerollbacks")
            .withKind("ControlPlaneRollback").withNamespaced(true).build();

    private static RealManagementCluster cluster;
    private static SidecarProcess sidecar;

    @BeforeAll
    static void install() throws Exception {
        cluster = RealManagementCluster.fresh("install-it", NAMESPACE);
        // controllers on their own namespace only: none acts on the objects written here
        sidecar = cluster.startSidecar("sidecar", RealAdmission.sidecarConfig(Map.of()));
        cluster.routeWebhooksTo(sidecar);
    }

    @AfterAll
    static void uninstall() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyWebhookOfTheInstallIsRegisteredAsShipped() {
        try (KubernetesClient admin = cluster.client(TestUser.ADMIN)) {
            ValidatingWebhookConfiguration configuration = admin.admissionRegistration().v1().validatingWebhookConfigurations()
                    .withName(Install.WEBHOOK_CONFIGURATION).get();
            assertEquals(5, configuration.getWebhooks().size());
            configuration.getWebhooks().forEach(w -> assertEquals("Fail", w.getFailurePolicy(), w.getName()));
        }
    }

    @Test
    void everyWebhookAnswersWithTheCaTheReadmeGivesIt() {
        try (KubernetesClient admin = cluster.client(TestUser.ADMIN)) {
            List<String> withoutCa = admin.admissionRegistration().v1().validatingWebhookConfigurations()
                    .withName(Install.WEBHOOK_CONFIGURATION).get().getWebhooks().stream()
                    .filter(w -> w.getClientConfig().getCaBundle() == null || w.getClientConfig().getCaBundle().isEmpty())
                    .map(w -> w.getName()).toList();
            assertEquals(List.of(), withoutCa, "webhooks without caBundle");
        }
        List<String> unanswered = WebhookProbes.unanswered(cluster.server(), sidecar, NAMESPACE);
        assertEquals(List.of(), unanswered, "webhooks the API server could not call");
    }

    @Test
    void theSreGroupHoldsTheRollbackVerbAndTheCustomerDoesNot() {
        assertTrue(mayRollback(TestUser.SRE));
        assertTrue(!mayRollback(TestUser.CUSTOMER));
    }

    @Test
    void anAdministratorMayLabelARollbackRecordMadeByTheSidecar() {
        try (KubernetesClient admin = cluster.client(TestUser.ADMIN)) {
            GenericKubernetesResource record = new GenericKubernetesResourceBuilder()
                    .withApiVersion("rollback.hypershift.openshift.io/v1alpha1").withKind("ControlPlaneRollback")
                    .withNewMetadata().withName("labelled").withNamespace(NAMESPACE).endMetadata()
                    .withAdditionalProperties(Map.of("spec", Map.of("hostedClusterName", "payments", "toVersion", "4.18.5",
                            "reason", "INC-1", "requestedBy", "sre-alice")))
                    .build();
            try (KubernetesClient asSidecar = cluster.server().clientWithToken(Install.sidecarToken(cluster.server()))) {
                asSidecar.genericKubernetesResources(ROLLBACKS).inNamespace(NAMESPACE).resource(record).create();
            }
            // as kubectl label does it: a merge patch of the labels, no resourceVersion
            GenericKubernetesResource labelled = admin.genericKubernetesResources(ROLLBACKS).inNamespace(NAMESPACE)
                    .withName("labelled").patch(PatchContext.of(PatchType.JSON_MERGE),
                            "{\"metadata\":{\"labels\":{\"incident\":\"INC-1\"}}}");
            assertEquals("INC-1", labelled.getMetadata().getLabels().get("incident"));
        }
    }

    private static boolean mayRollback(TestUser user) {
        try (KubernetesClient client = cluster.client(user)) {
            return client.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                    .withNewSpec().withNewResourceAttributes().withGroup("hypershift.openshift.io").withResource("hostedclusters")
                    .withVerb("rollback").withNamespace(NAMESPACE).endResourceAttributes().endSpec().build())
                    .getStatus().getAllowed();
        }
    }
}
