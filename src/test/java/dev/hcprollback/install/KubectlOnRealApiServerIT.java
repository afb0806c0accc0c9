package dev.hcprollback.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateSpec;
import dev.hcprollback.api.ControlPlaneUpdateStatus;
import dev.hcprollback.api.CrdFinisher;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.KubectlTable;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * What kubectl shows of our kinds, asked of a real API server with the CRDs as shipped: the columns of
 * {@code kubectl get} and {@code -o wide} (the server-side Table kubectl prints as it comes), the descriptions of
 * {@code kubectl explain} (the published OpenAPI v3 document it reads), the category of {@code kubectl get
 * hcp-rollback} (discovery), the conditions {@code kubectl wait} follows, and the Events of {@code kubectl describe}.
 */
class KubectlOnRealApiServerIT {

    private static final String NAMESPACE = "kubectl-it";
    private static final String GROUP_VERSION = "/apis/rollback.hypershift.openshift.io/v1alpha1";
    /** What kubectl asks for when it prints a list: the server renders the columns. */
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

    private static RealManagementCluster cluster;
    private static KubernetesClient admin;

    @BeforeAll
    static void install() {
        cluster = RealManagementCluster.fresh("kubectl-on-real-api-server", NAMESPACE);
        admin = cluster.client(TestUser.ADMIN);
    }

    @AfterAll
    static void uninstall() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void kubectlGetPrintsIdentityThenStatusThenAgeAndWideAddsTheDetail() {
        HasMetadata snapshot = snapshot("payments-pre-4-18-6");
        HasMetadata rollback = rollback("payments-rollback");
        HasMetadata update = update("payments-4-18-6");

        assertPrintedAsTheServerRendersThem(ControlPlaneSnapshot.class, snapshot);
        assertPrintedAsTheServerRendersThem(ControlPlaneRollback.class, rollback);
        assertPrintedAsTheServerRendersThem(ControlPlaneUpdate.class, update);
        assertColumns("controlplanesnapshots", snapshot,
                List.of("Name", "Cluster", "Version", "Reason", "Phase", "Verified", "Age"),
                List.of("Size", "Revision", "Failure", "Location"),
                List.of("payments-pre-4-18-6", "payments", "4.18.5", "PreUpgrade", "Succeeded", "true"));
        assertColumns("controlplanerollbacks", rollback,
                List.of("Name", "Cluster", "From", "To", "Phase", "Step", "Age"),
                List.of("Strategy", "Snapshot", "Downtime", "Failure"),
                List.of("payments-rollback", "payments", "4.18.6", "4.18.5", "Running", "Swap"));
        assertColumns("controlplaneupdates", update,
                List.of("Name", "Cluster", "From", "To", "Health", "Rollback Point", "Window Left", "Age"),
                List.of("Soak Ends", "Rolled Back By", "Message"),
                List.of("payments-4-18-6", "payments", "4.18.5", "4.18.6", "Unhealthy", "payments-pre-4-18-6", "23h"));
    }

    @Test
    void kubectlExplainDescribesEveryFieldOfEveryKind() {
        JsonNode schemas = get("/openapi/v3" + GROUP_VERSION).path("components").path("schemas");
        for (Class<? extends HasMetadata> kind : CrdFinisher.KINDS) {
            String name = HasMetadata.getKind(kind);
            JsonNode schema = StreamSupport.stream(schemas.spliterator(), false)
                    .filter(s -> name.equals(s.path("x-kubernetes-group-version-kind").path(0).path("kind").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError("no schema of " + name + " in the OpenAPI document"));
            List<String> undescribed = new ArrayList<>();
            undescribed(schema, name, undescribed);
            assertEquals(List.of(), undescribed, "kubectl explain prints <empty> for these");
            assertTrue(schema.path("properties").path("status").path("properties").has("conditions"), name);
        }
    }

    @Test
    void kubectlGetHcpRollbackListsEveryKind() {
        JsonNode resources = get(GROUP_VERSION).path("resources");
        for (Class<? extends HasMetadata> kind : CrdFinisher.KINDS) {
            JsonNode resource = StreamSupport.stream(resources.spliterator(), false)
                    .filter(r -> HasMetadata.getPlural(kind).equals(r.path("name").asText())).findFirst().orElseThrow();
            assertEquals("[\"" + ControlPlaneSnapshot.CATEGORY + "\"]", resource.path("categories").toString(),
                    HasMetadata.getKind(kind));
        }
    }

    @Test
    void conditionsAreAMapKeyedByTypeAsKubectlWaitExpects() {
        ControlPlaneRollback rollback = (ControlPlaneRollback) rollback("keyed-by-type");
        var twice = new ConditionBuilder().withType("Succeeded").withStatus("True").withReason("RolledBack")
                .withMessage("").withLastTransitionTime("2025-01-01T00:00:00Z").build();
        rollback.getStatus().setConditions(List.of(twice, new ConditionBuilder(twice).withStatus("False").build()));
        KubernetesClientException refused = assertThrows(KubernetesClientException.class,
                () -> admin.resource(rollback).updateStatus());
        assertEquals(422, refused.getCode());
        assertTrue(refused.getMessage().contains("Duplicate value"), refused.getMessage());

        rollback.getStatus().setConditions(List.of(new ConditionBuilder(twice).withReason("not one word").build()));
        refused = assertThrows(KubernetesClientException.class,
                () -> admin.resource(rollback).updateStatus());
        assertEquals(422, refused.getCode(), "a reason is one CamelCase word, as metav1.Condition's");
    }

    @Test
    void anEventSaidAgainCountsUpOnTheRecordAndTheHostedCluster() {
        HasMetadata rollback = rollback("counted");
        HostedCluster payments = new HostedCluster();
        payments.setMetadata(new ObjectMetaBuilder().withName("payments").withNamespace(NAMESPACE)
                .withUid("0d6f5e0e-0000-4000-8000-000000000001").build());
        // as the sidecar: its RBAC grants create and patch on events, nothing more
        try (KubernetesClient sidecar = cluster.server().clientWithToken(Install.sidecarToken(cluster.server()))) {
            ClusterEvents events = new ClusterEvents(sidecar);
            events.warning(payments, rollback, "RollbackStepFailed", "Swap: swap Job hcp-rollback-swap-0 failed");
            events.warning(payments, rollback, "RollbackStepFailed", "Swap: swap Job hcp-rollback-swap-0 failed");
            events.normal(payments, rollback, "RollbackStepStarted", "Swap started");
        }
        for (HasMetadata about : List.of(rollback, payments)) {
            List<Event> seen = admin.v1().events().inNamespace(NAMESPACE)
                    .withField("involvedObject.uid", about.getMetadata().getUid()).list().getItems();
            assertEquals(Map.of("RollbackStepFailed", 2, "RollbackStepStarted", 1), seen.stream()
                    .collect(Collectors.toMap(Event::getReason, Event::getCount)), about.getKind());
            assertFalse(seen.stream().anyMatch(e -> e.getInvolvedObject().getKind() == null), "kind set");
        }
    }

    private static void assertColumns(String plural, HasMetadata object, List<String> shown, List<String> wide,
            List<String> firstCells) {
        JsonNode table = table(GROUP_VERSION + "/namespaces/" + NAMESPACE + "/" + plural + "/"
                + object.getMetadata().getName());
        List<String> names = new ArrayList<>();
        List<Integer> priorities = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> {
            names.add(c.path("name").asText());
            priorities.add(c.path("priority").asInt());
        });
        List<String> expected = new ArrayList<>(shown);
        expected.addAll(wide);
        assertEquals(expected, names, plural + ": kubectl get -o wide prints these, in this order");
        List<Integer> expectedPriorities = new ArrayList<>();
        shown.forEach(c -> expectedPriorities.add(0));
        wide.forEach(c -> expectedPriorities.add(1));
        assertEquals(expectedPriorities, priorities, plural + ": kubectl get prints priority 0 only");
        List<String> cells = new ArrayList<>();
        table.path("rows").path(0).path("cells").forEach(c -> cells.add(c.asText()));
        assertEquals(firstCells, cells.subList(0, firstCells.size()), plural + ": " + cells);
    }

    /** The demo's printout ({@link KubectlTable}) has the server's columns and, but for ages, its cells. */
    private static void assertPrintedAsTheServerRendersThem(Class<? extends HasMetadata> kind, HasMetadata object) {
        JsonNode table = table(GROUP_VERSION + "/namespaces/" + NAMESPACE + "/" + HasMetadata.getPlural(kind) + "/"
                + object.getMetadata().getName());
        List<String> header = new ArrayList<>();
        List<String> cells = new ArrayList<>();
        List<String> printed = KubectlTable.row(kind, object, true, Instant.now());
        for (int i = 0; i < table.path("columnDefinitions").size(); i++) {
            JsonNode column = table.path("columnDefinitions").path(i);
            header.add(column.path("name").asText().toUpperCase(Locale.ROOT));
            JsonNode cell = table.path("rows").path(0).path("cells").path(i);
            // an age depends on when it is asked
            cells.add("date".equals(column.path("type").asText()) ? printed.get(i) : cell.isNull() ? "" : cell.asText());
        }
        assertEquals(header, KubectlTable.header(kind, true), HasMetadata.getKind(kind));
        assertEquals(cells, printed, HasMetadata.getKind(kind));
    }

    /**
     * Every property, at every depth, with no description; {@code $ref}s lead to Kubernetes' own types. An array's
     * items need none (kubectl explain shows the array's), their properties do.
     */
    private static void undescribed(JsonNode schema, String path, List<String> found) {
        if (schema.path("description").asText().isBlank()) {
            found.add(path);
        }
        within(schema, path, found);
    }

    private static void within(JsonNode schema, String path, List<String> found) {
        schema.path("properties").fields().forEachRemaining(p -> {
            if (p.getValue().has("allOf") || p.getValue().has("$ref")) {
                if (p.getValue().path("description").asText().isBlank()) {
                    found.add(path + "." + p.getKey());
                }
            } else {
                undescribed(p.getValue(), path + "." + p.getKey(), found);
            }
        });
        if (schema.has("items")) {
            within(schema.path("items"), path + "[]", found);
        }
    }

    // ---------------------------------------------------------------- objects, as their writers write them

    private static HasMetadata snapshot(String name) {
        ControlPlaneSnapshot snapshot = new ControlPlaneSnapshot();
        snapshot.setMetadata(meta(name));
        snapshot.setSpec(new ControlPlaneSnapshotSpec("payments", SnapshotReason.PreUpgrade));
        ControlPlaneSnapshot created = admin.resource(snapshot).create();
        ControlPlaneSnapshotStatus status = new ControlPlaneSnapshotStatus();
        status.setPhase(SnapshotPhase.Succeeded);
        status.setVersion("4.18.5");
        status.setVerified(true);
        status.setSizeBytes(52_428_800L);
        status.setEtcdRevision(81_234L);
        status.setLocation("s3://hcp-rollback/clusters/payments/4.18.5/20250101T000000Z-81234.db");
        created.setStatus(status);
        return admin.resource(created).updateStatus();
    }

    private static HasMetadata rollback(String name) {
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(meta(name));
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName("payments");
        spec.setToVersion("4.18.5");
        spec.setSnapshotName("payments-pre-4-18-6");
        spec.setReason("INC-4711 ingress down after 4.18.6");
        spec.setRequestedBy("sre-alice");
        rollback.setSpec(spec);
        ControlPlaneRollback created = admin.resource(rollback).create();
        ControlPlaneRollbackStatus status = new ControlPlaneRollbackStatus();
        status.setPhase(RollbackPhase.Running);
        status.setCurrentStep("Swap");
        RollbackPlan plan = new RollbackPlan();
        plan.setFromVersion("4.18.6");
        plan.setToVersion("4.18.5");
        status.setPlan(plan);
        created.setStatus(status);
        return admin.resource(created).updateStatus();
    }

    private static HasMetadata update(String name) {
        ControlPlaneUpdate update = new ControlPlaneUpdate();
        update.setMetadata(meta(name));
        ControlPlaneUpdateSpec spec = new ControlPlaneUpdateSpec();
        spec.setHostedClusterName("payments");
        spec.setHostedClusterUid("0d6f5e0e-0000-4000-8000-000000000001");
        spec.setFromVersion("4.18.5");
        spec.setToVersion("4.18.6");
        spec.setToImage(HostedClusters.tag("4.18.6"));
        spec.setStartTime("2025-01-01T00:00:00Z");
        update.setSpec(spec);
        ControlPlaneUpdate created = admin.resource(update).create();
        ControlPlaneUpdateStatus status = new ControlPlaneUpdateStatus();
        status.setHealth(UpdateHealth.Unhealthy);
        status.setRollbackPoint("payments-pre-4-18-6");
        status.setWindowLeft("23h");
        status.setMessage("Degraded red for 12m (threshold 10m)");
        created.setStatus(status);
        return admin.resource(created).updateStatus();
    }

    private static ObjectMeta meta(String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build();
    }

    // ---------------------------------------------------------------- reading as kubectl does

    private static JsonNode table(String path) {
        return request(path, TABLE);
    }

    private static JsonNode get(String path) {
        return request(path, "application/json");
    }

    private static JsonNode request(String path, String accept) {
        HttpClient http = HttpClient.newBuilder().sslContext(cluster.server().trustContext())
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.server().url() + path))
                .timeout(Duration.ofSeconds(30)).header("Accept", accept)
                .header("Authorization", "Bearer " + cluster.server().token(TestUser.ADMIN)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), path + ": " + response.body());
            return HostedClusters.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
