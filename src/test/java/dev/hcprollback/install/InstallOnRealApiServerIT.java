package dev.hcprollback.install;

import static dev.hcprollback.testing.HostedClusters.tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.testing.AdmissionDecisions;
import dev.hcprollback.testing.ApiRequest;
import dev.hcprollback.testing.Caller;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.RealAdmission;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.RealObjects;
import dev.hcprollback.testing.RealObjects.Kind;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.TestUser;

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
        ObjectNode snapshot = RealObjects.verifiedSnapshot("ca-probe",
                RealObjects.hostedCluster(HostedClusters.fixture().named("ca-probe"), NAMESPACE), "4.18.5", tag("4.18.5"),
                Instant.now());
        snapshot.remove("status");
        ApiRequest.Answer created = Caller.ADMIN.send(cluster.server(),
                ApiRequest.create(Kind.SNAPSHOT.collection(NAMESPACE), snapshot));
        assertTrue(created.succeeded(), "the snapshot to delete: " + created);

        // one request per webhook that its matchConditions send to it, as dry runs: each must reach the sidecar
        Map<Kind, ApiRequest> probes = new LinkedHashMap<>();
        probes.put(Kind.HOSTED_CLUSTER, ApiRequest.create(Kind.HOSTED_CLUSTER.collection(NAMESPACE), RealObjects.hostedCluster(
                HostedClusters.onSixAfterFive("ca-probe").requestRollback("4.18.5", "INC-1"), NAMESPACE)));
        probes.put(Kind.HOSTED_CONTROL_PLANE, ApiRequest.create(Kind.HOSTED_CONTROL_PLANE.collection(NAMESPACE),
                RealObjects.hostedControlPlane(HostedClusters.onSixAfterFive("ca-probe"), NAMESPACE)));
        probes.put(Kind.SNAPSHOT, ApiRequest.delete(Kind.SNAPSHOT.object(NAMESPACE, "ca-probe")));
        probes.put(Kind.ROLLBACK, ApiRequest.create(Kind.ROLLBACK.collection(NAMESPACE),
                RealObjects.rollbackRecord(NAMESPACE, "ca-probe", "ca-probe", "4.18.5", "ca-probe", "sre-alice")));
        ObjectNode update = RealObjects.updateRecord(NAMESPACE, "ca-probe", "ca-probe", HostedClusters.UID);
        update.remove("status");
        probes.put(Kind.UPDATE_RECORD, ApiRequest.create(Kind.UPDATE_RECORD.collection(NAMESPACE), update));
        assertEquals(Kind.values().length - 1, probes.size(), "a probe for every kind a webhook guards");

        AdmissionDecisions decisions = new AdmissionDecisions(sidecar);
        List<String> unanswered = new ArrayList<>();
        probes.forEach((kind, probe) -> {
            AdmissionDecisions.Judged<ApiRequest.Answer> judged = decisions.during(
                    () -> Caller.ADMIN.send(cluster.server(), probe.dryRun()));
            boolean answered = judged.decisions().stream().anyMatch(d -> d.resource().equals(kind.resource))
                    && !judged.answer().message().contains("failed calling webhook");
            if (!answered) {
                unanswered.add(kind.webhook() + ": " + judged.answer() + ", decisions " + judged.decisions());
            }
        });
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
