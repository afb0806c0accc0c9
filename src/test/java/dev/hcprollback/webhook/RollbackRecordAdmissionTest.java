package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.entry;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.ManagementCluster.verifiedSnapshot;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.ValidatableResponse;

/**
 * The ControlPlaneRollback webhook. The rollback controller acts on any record it sees, so a record
 * must come from the sidecar (which creates one only from admitted request annotations) or from a
 * requester holding the {@code rollback} verb, and is then judged like the request annotations it
 * stands for. The customer of the issue, with full edit rights on the namespace, creates one by hand.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class RollbackRecordAdmissionTest {

    private static final String PATH = "/validate/controlplanerollbacks";

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    @Inject
    ManagementCluster cluster;

    /** Cluster {@code name} on 4.18.6 since two hours, after 4.18.5; its rollback point and an older snapshot of 4.18.5. */
    private void onSixWithRollbackPoint(String name) {
        cluster.addHostedCluster(HostedClusters.onSixAfterFive(name));
        Instant beforeUpdate = Instant.now().minus(Duration.ofHours(3));
        cluster.add(verifiedSnapshot(name + "-point", name, "4.18.5", tag("4.18.5"), null, beforeUpdate));
        cluster.add(verifiedSnapshot(name + "-older", name, "4.18.5", tag("4.18.5"), null, beforeUpdate.minus(Duration.ofDays(2))));
    }

    private static ObjectNode record(String cluster, String toVersion, String snapshotName) {
        return record(cluster, toVersion, snapshotName, RbacSimulator.SRE);
    }

    private static ObjectNode record(String cluster, String toVersion, String snapshotName, String requestedBy) {
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName(cluster + "-rollback").withNamespace(HostedClusters.NAMESPACE)
                .withUid("0c9f0a57-4f1e-4d7b-9a61-" + String.format("%012d", Math.abs(cluster.hashCode()))).build());
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName(cluster);
        spec.setToVersion(toVersion);
        spec.setReason("INC-4711: API server crash-loops after 4.18.6");
        spec.setSnapshotName(snapshotName);
        spec.setRequestedBy(requestedBy);
        rollback.setSpec(spec);
        return HostedClusters.JSON.valueToTree(rollback);
    }

    private static AdmissionReviews create(ObjectNode record) {
        return AdmissionReviews.rollback("CREATE", null, record);
    }

    @Test
    void theCustomersHandMadeRecordIsRefused() {
        String name = "handmade";
        onSixWithRollbackPoint(name);
        send(create(record(name, "4.18.5", name + "-point")))
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-unauthorised"))
                .body("response.status.message", equalTo("[rollback-record-unauthorised] only hcp-rollback (from an "
                        + "admitted request) and requesters holding the verb rollback create ControlPlaneRollback records, "
                        + "and RBAC does not grant " + RbacSimulator.CUSTOMER + " the verb rollback on "
                        + "hostedclusters.hypershift.openshift.io in namespace clusters, and the user is on no allow-list. "
                        + "A rollback is requested by the managed service's SRE team with the annotations "
                        + "rollback.hypershift.openshift.io/to-version and rollback.hypershift.openshift.io/reason on "
                        + "HostedCluster handmade."));
        // a dry run is refused alike: the API server would otherwise report success for what a real create does not get
        send(create(record(name, "4.18.5", name + "-point")).dryRun())
                .body("response.allowed", equalTo(false));
    }

    @Test
    void anSreRecordOfTheRollbackPointIsAdmittedAndTheSidecarsAlways() {
        String name = "sre-record";
        onSixWithRollbackPoint(name);
        send(create(record(name, "4.18.5", name + "-point")).sre())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-admitted"));
        send(create(record(name, "4.18.5", name + "-point", RbacSimulator.ALLOW_LISTED_SRE))
                .by(RbacSimulator.ALLOW_LISTED_SRE, "system:authenticated"))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-admitted"));
        send(create(record(name, "4.18.5", name + "-point")).sidecar())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-by-sidecar"));
    }

    @Test
    void anSreRecordNamesItsCreator() {
        String name = "sre-unnamed";
        onSixWithRollbackPoint(name);
        send(create(record(name, "4.18.5", name + "-point", null)).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-requester"))
                .body("response.status.message", equalTo("[rollback-record-requester] spec.requestedBy is empty; a"
                        + " ControlPlaneRollback created directly must name its creator, " + RbacSimulator.SRE
                        + ", so that its Events say who asked."));
        send(create(record(name, "4.18.5", name + "-point", RbacSimulator.ALLOW_LISTED_SRE)).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-requester"));
    }

    @Test
    void anSreRecordMustBeAnEligibleRollback() {
        String name = "ineligible";
        onSixWithRollbackPoint(name);
        String judgedAs = "(ControlPlaneRollback " + name + "-rollback is judged as the rollback request it stands for.)";
        send(create(record(name, "4.18.4", name + "-point")).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("not-previous-version"))
                .body("response.status.message", endsWith(judgedAs));
        send(create(record(name, "4.17.9", name + "-point")).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("y-stream-rollback"))
                .body("response.status.message", endsWith(judgedAs));
        // the cluster already carries a request for 4.18.4: the record is still judged on its own
        cluster.addHostedCluster(HostedClusters.onSixAfterFive(name + "-requested").requestRollback("4.18.4", "INC-1"));
        send(create(record(name + "-requested", "4.18.4", null)).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("not-previous-version"));
    }

    @Test
    void anSreRecordOutsideTheWindowOrWithoutSnapshotIsRefused() {
        String expired = "expired-record";
        Instant now = Instant.now();
        cluster.addHostedCluster(HostedClusters.fixture().named(expired).release(tag("4.18.6")).history(
                entry("Completed", "4.18.6", tag("4.18.6"), now.minus(Duration.ofHours(30)), now.minus(Duration.ofHours(29))),
                entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofDays(9)), now.minus(Duration.ofDays(9)))));
        send(create(record(expired, "4.18.5", null)).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("rollback-window-expired"));

        String bare = "no-snapshot-record";
        cluster.addHostedCluster(HostedClusters.onSixAfterFive(bare));
        send(create(record(bare, "4.18.5", null)).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("no-verified-snapshot"));

        send(create(record("no-such-cluster", "4.18.5", null)).sre())
                .body("response.allowed", equalTo(false))
                .body("response.status.message", equalTo("[rollback-record-no-cluster] ControlPlaneRollback "
                        + "no-such-cluster-rollback names HostedCluster clusters/no-such-cluster, which does not exist."));
    }

    @Test
    void theRecordRestoresTheClustersRollbackPointAndNoOtherSnapshot() {
        String name = "snapshot-choice";
        onSixWithRollbackPoint(name);
        send(create(record(name, "4.18.5", name + "-older")).sre())
                .body("response.allowed", equalTo(false))
                .body("response.status.message", equalTo("[rollback-record-snapshot] spec.snapshotName is " + name
                        + "-older, but a RestoreEtcd rollback of HostedCluster " + name + " restores its rollback point, "
                        + "snapshot " + name + "-point."));
        // another cluster's verified snapshot of the same payload backs nothing here
        String other = "snapshot-choice-other";
        onSixWithRollbackPoint(other);
        send(create(record(name, "4.18.5", other + "-point")).sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-snapshot"));
        send(create(record(name, "4.18.5", null)).sre())
                .body("response.allowed", equalTo(false))
                .body("response.status.message", containsString("spec.snapshotName is empty, but a RestoreEtcd rollback"));

        ObjectNode payloadOnly = record(name, "4.18.5", null);
        ((ObjectNode) payloadOnly.get("spec")).put("strategy", RollbackStrategy.PayloadOnly.name());
        send(create(payloadOnly).sre())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-admitted"));
    }

    @Test
    void theSpecIsFixedAndTheStatusIsTheSidecars() {
        ObjectNode before = record("fixed", "4.18.5", "fixed-point");
        before.putObject("status").put("phase", "Pending");
        ObjectNode retargeted = before.deepCopy();
        ((ObjectNode) retargeted.get("spec")).put("toVersion", "4.18.4").put("snapshotName", "fixed-older");
        for (AdmissionReviews review : List.of(AdmissionReviews.rollback("UPDATE", before, retargeted),
                AdmissionReviews.rollback("UPDATE", before, retargeted).sre(),
                AdmissionReviews.rollback("UPDATE", before, retargeted).sidecar())) {
            send(review)
                    .body("response.allowed", equalTo(false))
                    .body("response.status.message", equalTo("[rollback-record-spec-immutable] the spec of "
                            + "ControlPlaneRollback fixed-rollback cannot change after creation (spec.snapshotName, "
                            + "spec.toVersion changed): it is what was admitted and what the rollback controller acts on. "
                            + "Create a new ControlPlaneRollback instead."));
        }

        ObjectNode progressed = before.deepCopy();
        ((ObjectNode) progressed.get("status")).put("phase", "Succeeded");
        send(AdmissionReviews.rollback("UPDATE", before, progressed).subResource("status"))
                .body("response.allowed", equalTo(false))
                .body("response.status.message", equalTo("[rollback-record-status-writer] only " + RbacSimulator.SIDECAR
                        + " may write the status of a ControlPlaneRollback; it reports what the rollback controller did."));
        send(AdmissionReviews.rollback("UPDATE", before, progressed).subResource("status").sre())
                .body("response.allowed", equalTo(false));
        send(AdmissionReviews.rollback("UPDATE", before, progressed).subResource("status").sidecar())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-write"));

        ObjectNode labelled = before.deepCopy();
        ((ObjectNode) labelled.get("metadata")).putObject("labels").put("incident", "INC-4711");
        send(AdmissionReviews.rollback("UPDATE", before, labelled))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("rollback-record-write"));
    }

    private ValidatableResponse send(AdmissionReviews review) {
        return new WebhookClient(webhook).review(PATH, review).statusCode(200)
                .body("response.uid", equalTo(review.uid()));
    }
}
