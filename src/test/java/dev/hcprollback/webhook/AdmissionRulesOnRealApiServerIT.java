package dev.hcprollback.webhook;

import static dev.hcprollback.testing.Caller.ADMIN;
import static dev.hcprollback.testing.Caller.CUSTOMER;
import static dev.hcprollback.testing.Caller.HYPERSHIFT;
import static dev.hcprollback.testing.Caller.SIDECAR;
import static dev.hcprollback.testing.Caller.SRE;
import static dev.hcprollback.testing.HostedClusters.digest;
import static dev.hcprollback.testing.HostedClusters.entry;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.RealAdmission.Expect.admitted;
import static dev.hcprollback.testing.RealAdmission.Expect.invalid;
import static dev.hcprollback.testing.RealAdmission.Expect.passes;
import static dev.hcprollback.testing.RealAdmission.Expect.refused;
import static dev.hcprollback.testing.RealAdmission.Expect.warned;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.testing.ApiRequest;
import dev.hcprollback.testing.Caller;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.RealAdmission.Expect;
import dev.hcprollback.testing.RealAdmission;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.RealObjects.Kind;
import dev.hcprollback.testing.RealObjects;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The admission rules of {@code docs/admission-rules.md}, each as real API calls by the users it is about: a row is
 * who does what to which cluster in which situation, and what they see (HTTP status and message, or the rule that
 * admitted it). Rules no real API call can reach stay with the mock-server tests ({@code docs/testing.md} lists
 * them). The sidecar enforces the upgrade gate here ({@code upgrade-gate.mode=enforce});
 * {@link WebhookFiltersOnRealApiServerIT} runs the default, which warns.
 *
 * <p>Every row has a HostedCluster of its own, named in the row, so its messages name it and no row changes another's
 * situation. The webhooks read snapshots, NodePools and HostedClusters from the sidecar's informer caches, which
 * follow the API server by a watch event: every situation is written before the first row runs, and the rows wait
 * until the sidecar has seen all of it ({@link #awaitTheSidecarSeesEverything}).
 */
class AdmissionRulesOnRealApiServerIT {

    private static final String NAMESPACE = "admission-rules";
    private static final String NOT_GRANTED = "RBAC does not grant customer-admin the verb rollback on "
            + "hostedclusters.hypershift.openshift.io in namespace " + NAMESPACE + ", and the user is on no allow-list";
    private static final String SRE_HINT = "Downgrades are applied only as a service-led rollback: the managed service's SRE"
            + " team requests one with the annotations rollback.hypershift.openshift.io/to-version and "
            + "rollback.hypershift.openshift.io/reason.";
    private static final String UNKNOWN_DIGEST = digest('f');
    private static final String MIRROR_OF_FIVE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "5".repeat(64);

    /** 4.18.6 by its digest, as the sidecar records it when it rolled a cluster back from it. */
    private static final String QUARANTINE_OF_SIX = new PayloadQuarantine.Entry(new PayloadIdentity(
            PayloadImage.of(digest('6')).get(), PayloadImage.of(digest('6')).get().digest(), ReleaseVersion.parse("4.18.6")),
            "rolled-back-to-4-18-5-1a2b3c4d", "2026-12-07T10:00:00Z").toAnnotation();
    /** The rollback floors the SRE team keeps, written before the sidecar starts: no rollback within 4.17 below 4.17.6. */
    private static final Map<String, String> FLOORS = Map.of("4.17", "4.17.6");

    private static RealManagementCluster cluster;
    private static RealAdmission admission;

    // --- situations: a cluster and what exists around it ---

    /**
     * A HostedCluster, as HyperShift reports it, and what exists around it: snapshots as the sidecar records them,
     * NodePools, its HostedControlPlane, records. Written by their writers before any row runs.
     */
    static final class Situation {

        private final String description;
        private final Function<String, HostedClusters> fixture;
        private final List<String> extras = new ArrayList<>();
        private boolean rollbackPoint;
        private boolean olderSnapshot;
        private boolean failedSnapshot;
        private boolean freshSnapshot;
        private String nodePoolVersion;
        private String controlPlaneOverride;
        private boolean controlPlane;
        private boolean rollbackRecord;
        /** null: no running rollback; else whether it passed its point of no return. */
        private Boolean runningPastPointOfNoReturn;
        private boolean cancelled;
        private boolean updateRecord;
        private boolean requested;
        private boolean quarantined;

        private Situation(String description, Function<String, HostedClusters> fixture) {
            this.description = description;
            this.fixture = fixture;
        }

        /** {@code <cluster>-point}: verified, of 4.18.5, completed an hour before the update to 4.18.6 started. */
        Situation withRollbackPoint() {
            rollbackPoint = true;
            extras.add("its rollback point");
            return this;
        }

        /** {@code <cluster>-older}: verified, of 4.18.5 too, two days older than the rollback point. */
        Situation withOlderSnapshot() {
            olderSnapshot = true;
            extras.add("an older snapshot");
            return this;
        }

        /** {@code <cluster>-point} as a snapshot that failed. */
        Situation withFailedSnapshot() {
            failedSnapshot = true;
            extras.add("a failed snapshot");
            return this;
        }

        /** {@code <cluster>-fresh}: verified, of the payload it runs, ten minutes old. */
        Situation withFreshSnapshot() {
            freshSnapshot = true;
            extras.add("a fresh snapshot");
            return this;
        }

        /** {@code <cluster>-workers}, whose nodes run {@code version}. */
        Situation withNodePool(String version) {
            nodePoolVersion = version;
            extras.add("a NodePool on " + version);
            return this;
        }

        /** Its HostedControlPlane, named like it, in its control-plane namespace {@code admission-rules-<cluster>}. */
        Situation withControlPlane() {
            controlPlane = true;
            extras.add("its HostedControlPlane");
            return this;
        }

        /** Its HostedControlPlane with {@code spec.controlPlaneReleaseImage} set by HyperShift. */
        Situation withControlPlaneOverride(String image) {
            controlPlaneOverride = image;
            return withControlPlane();
        }

        /** {@code <cluster>-rollback}: the record the sidecar filed from an admitted request. */
        Situation withRollbackRecord() {
            rollbackRecord = true;
            extras.add("a rollback record");
            return this;
        }

        /**
         * {@code <cluster>-rollback}: the sidecar's record of a rollback it runs, in Stage (before its point of no
         * return) or in Swap (past it).
         */
        Situation withRollbackRunning(boolean pastPointOfNoReturn) {
            runningPastPointOfNoReturn = pastPointOfNoReturn;
            extras.add("a rollback running " + (pastPointOfNoReturn ? "past" : "before") + " its point of no return");
            return this;
        }

        /** An SRE has cancelled (no rollback ran: the cancel is admitted and stays, as nothing acts on it here). */
        Situation cancelled() {
            cancelled = true;
            extras.add("an SRE's cancel");
            return this;
        }

        /** {@code <cluster>-update}: the sidecar's record of the update to 4.18.6. */
        Situation withUpdateRecord() {
            updateRecord = true;
            extras.add("an update record");
            return this;
        }

        /** The sidecar has quarantined 4.18.6 (by its digest) on it, as a Succeeded rollback from it leaves it. */
        Situation withQuarantineOfSix() {
            quarantined = true;
            extras.add("4.18.6 quarantined by the sidecar");
            return this;
        }

        /** An SRE has asked for the rollback to 4.18.5 (admitted: needs the rollback point). */
        Situation requested() {
            requested = true;
            extras.add("an SRE's rollback request");
            return this;
        }

        /** Writes the cluster and everything around it, each by its writer. */
        void put(String name) {
            ObjectNode stored = RealObjects.put(cluster.server(), ADMIN, HYPERSHIFT,
                    RealObjects.hostedCluster(fixture.apply(name), NAMESPACE));
            Instant updateStarted = Instant.now().minus(Duration.ofHours(2));
            if (quarantined) {
                ObjectNode annotations = HostedClusters.JSON.createObjectNode().put(PayloadQuarantine.ANNOTATION,
                        QUARANTINE_OF_SIX);
                ApiRequest.Answer answer = SIDECAR.send(cluster.server(), ApiRequest.mergePatch(
                        Kind.HOSTED_CLUSTER.object(NAMESPACE, name), wrap("metadata", wrap("annotations", annotations))));
                assertTrue(answer.succeeded(), "the sidecar's quarantine on " + name + ": " + answer);
            }
            if (rollbackPoint || failedSnapshot) {
                ObjectNode point = RealObjects.verifiedSnapshot(name + "-point", stored, "4.18.5", tag("4.18.5"),
                        updateStarted.minus(Duration.ofHours(1)));
                if (failedSnapshot) {
                    ((ObjectNode) point.get("status")).put("phase", "Failed").put("verified", false);
                }
                RealObjects.put(cluster.server(), SIDECAR, point);
            }
            if (olderSnapshot) {
                RealObjects.put(cluster.server(), SIDECAR, RealObjects.verifiedSnapshot(name + "-older", stored, "4.18.5",
                        tag("4.18.5"), updateStarted.minus(Duration.ofDays(2))));
            }
            if (freshSnapshot) {
                RealObjects.put(cluster.server(), SIDECAR, RealObjects.verifiedSnapshot(name + "-fresh", stored, "4.18.6",
                        tag("4.18.6"), Instant.now().minus(Duration.ofMinutes(10))));
            }
            if (nodePoolVersion != null) {
                RealObjects.put(cluster.server(), HYPERSHIFT, RealObjects.nodePool(NAMESPACE, name + "-workers", name,
                        tag(nodePoolVersion), nodePoolVersion));
            }
            if (controlPlane) {
                createNamespace(controlPlaneNamespace(name));
                ObjectNode hcp = RealObjects.hostedControlPlane(fixture.apply(name), controlPlaneNamespace(name));
                if (controlPlaneOverride != null) {
                    ((ObjectNode) hcp.get("spec")).put("controlPlaneReleaseImage", controlPlaneOverride);
                }
                RealObjects.put(cluster.server(), HYPERSHIFT, hcp);
            }
            if (rollbackRecord) {
                ObjectNode record = RealObjects.rollbackRecord(NAMESPACE, name + "-rollback", name, "4.18.5", name + "-point",
                        null);
                record.putObject("status").put("phase", "Pending");
                RealObjects.put(cluster.server(), SIDECAR, record);
            }
            if (runningPastPointOfNoReturn != null) {
                ObjectNode record = RealObjects.rollbackRecord(NAMESPACE, name + "-rollback", name, "4.18.5", name + "-point",
                        SRE.username());
                record.putObject("status").put("phase", "Running").put("pointOfNoReturn", runningPastPointOfNoReturn)
                        .put("currentStep", runningPastPointOfNoReturn ? "Swap" : "Stage");
                RealObjects.put(cluster.server(), SIDECAR, record);
            }
            if (updateRecord) {
                RealObjects.put(cluster.server(), SIDECAR, RealObjects.updateRecord(NAMESPACE, name + "-update", name,
                        stored.at("/metadata/uid").asText()));
            }
        }

        /** What needs the sidecar to have seen {@link #put}: an SRE's request is judged against the rollback point. */
        void putOnceSeen(String name) {
            if (requested) {
                ApiRequest.Answer answer = SRE.send(cluster.server(), ASK_FOR_FIVE.request().apply(name));
                assertTrue(answer.succeeded(), "the SRE's rollback request on " + name + " was refused: " + answer);
            }
            if (cancelled) {
                ApiRequest.Answer answer = SRE.send(cluster.server(), cancelAs(SRE.username()).request().apply(name));
                assertTrue(answer.succeeded(), "the SRE's cancel on " + name + " was refused: " + answer);
            }
        }

        @Override
        public String toString() {
            return description + (extras.isEmpty() ? "" : ", with " + String.join(", ", extras));
        }
    }

    /** On 4.18.6 since two hours, after 4.18.5 (20 days) and 4.18.4: the documentation's example. */
    private static Situation updatedTwoHoursAgo() {
        return new Situation("updated from 4.18.5 to 4.18.6 two hours ago", HostedClusters::onSixAfterFive);
    }

    /** The same, with the update to 4.18.6 started 30 hours ago: outside the 24h window. */
    private static Situation updatedThirtyHoursAgo() {
        return new Situation("updated to 4.18.6 thirty hours ago", name -> {
            Instant now = Instant.now();
            return HostedClusters.onSixAfterFive(name).history(
                    entry("Completed", "4.18.6", tag("4.18.6"), now.minus(Duration.ofHours(30)), now.minus(Duration.ofHours(29))),
                    entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(20))));
        });
    }

    /** Back on 4.18.5 since an hour, after a rollback from 4.18.6. */
    private static Situation rolledBackAnHourAgo() {
        return new Situation("rolled back from 4.18.6 to 4.18.5 an hour ago", name -> {
            Instant now = Instant.now();
            return HostedClusters.onSixAfterFive(name).release(tag("4.18.5")).history(
                    entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofHours(1)),
                            now.minus(Duration.ofMinutes(40))),
                    entry("Completed", "4.18.6", tag("4.18.6"), now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(2))),
                    entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(20))));
        });
    }

    /** On 4.17.6 since two hours, after 4.17.5. */
    private static Situation onSevenTeenSixAfterFive() {
        return new Situation("updated from 4.17.5 to 4.17.6 two hours ago", name -> {
            Instant now = Instant.now();
            return HostedClusters.onSixAfterFive(name).release(tag("4.17.6")).history(
                    entry("Completed", "4.17.6", tag("4.17.6"), now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(80))),
                    entry("Completed", "4.17.5", tag("4.17.5"), now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(20))));
        });
    }

    /** Its version history names both payloads by digest: 4.18.6 as {@code digest('6')}, 4.18.5 through a mirror. */
    private static Situation historyByDigest() {
        return new Situation("whose history names its payloads by digest", name -> {
            Instant now = Instant.now();
            return HostedClusters.onSixAfterFive(name).history(
                    entry("Completed", "4.18.6", digest('6'), now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(80))),
                    entry("Completed", "4.18.5", MIRROR_OF_FIVE, now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(20))));
        });
    }

    // --- what a row's caller does ---

    /** One request about a row's cluster (or an object around it, named after it), of one kind. */
    record Act(String description, Kind kind, int successStatus, Function<String, ApiRequest> request) {

        Act dryRun() {
            return new Act(description + " (dry run)", kind, successStatus, name -> request.apply(name).dryRun());
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private static Act patchCluster(String description, String patch) {
        return new Act(description, Kind.HOSTED_CLUSTER, 200,
                name -> ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, name), json(patch)));
    }

    private static Act moveRelease(String image) {
        return patchCluster("sets spec.release.image to " + image, "{\"spec\":{\"release\":{\"image\":\"" + image + "\"}}}");
    }

    private static Act requestRollback(String toVersion, String reason) {
        ObjectNode annotations = HostedClusters.JSON.createObjectNode();
        annotations.put(RollbackRequest.TO_VERSION, toVersion);
        annotations.put(RollbackRequest.REASON, reason);
        return patchCluster("asks for a rollback to " + toVersion + (reason == null ? " with no reason" : ""),
                wrap("metadata", wrap("annotations", annotations)).toString());
    }

    /** An SRE's lift of the quarantine, under the user name {@code who}. */
    private static Act liftQuarantineAs(String who) {
        return patchCluster("lifts the quarantine as " + who, "{\"metadata\":{\"annotations\":{\"" + PayloadQuarantine.LIFTED_BY
                + "\":\"" + who + "\"}}}");
    }

    /** {@code kubectl annotate hostedcluster ... rollback.hypershift.openshift.io/cancel=<who>}. */
    private static Act cancelAs(String who) {
        return patchCluster("cancels as " + who, "{\"metadata\":{\"annotations\":{\"" + RollbackRequest.CANCEL + "\":\""
                + who + "\"}}}");
    }

    /** The request annotations and the payload move in one patch, as an SRE's {@code kubectl patch} does. */
    private static Act rollBackTo(String version) {
        return patchCluster("rolls back to " + version + ", asking in the same patch", "{\"metadata\":{\"annotations\":{\""
                + RollbackRequest.TO_VERSION + "\":\"" + version + "\",\"" + RollbackRequest.REASON + "\":\"INC-4711\"}},"
                + "\"spec\":{\"release\":{\"image\":\"" + tag(version) + "\"}}}");
    }

    private static Act onObject(String description, Kind kind, String suffix, Function<String, ApiRequest> request) {
        return new Act(description, kind, 200, name -> request.apply(name + suffix));
    }

    private static Act patchControlPlane(String description, String patch) {
        return new Act(description, Kind.HOSTED_CONTROL_PLANE, 200, name -> ApiRequest.mergePatch(
                Kind.HOSTED_CONTROL_PLANE.object(controlPlaneNamespace(name), name), json(patch)));
    }

    private static Act patchSnapshot(String description, String suffix, String patch) {
        return onObject(description, Kind.SNAPSHOT, suffix,
                snapshot -> ApiRequest.mergePatch(Kind.SNAPSHOT.object(NAMESPACE, snapshot), json(patch)));
    }

    private static Act writeStatus(Kind kind, String suffix) {
        return onObject("writes the status of its " + kind, kind, suffix, object -> ApiRequest.mergePatch(
                kind.status(NAMESPACE, object), json("{\"status\":{\"message\":\"written by hand\"}}")));
    }

    private static Act deleteSnapshot(String which, String suffix) {
        return onObject("deletes " + which, Kind.SNAPSHOT, suffix,
                snapshot -> ApiRequest.delete(Kind.SNAPSHOT.object(NAMESPACE, snapshot)));
    }

    /** Creates a ControlPlaneRollback of the row's cluster, as {@code record} builds it for the cluster's name. */
    private static Act createRecord(String description, Function<String, ObjectNode> record) {
        return new Act("creates a ControlPlaneRollback " + description, Kind.ROLLBACK, 201,
                name -> ApiRequest.create(Kind.ROLLBACK.collection(NAMESPACE), record.apply(name)));
    }

    private static ObjectNode record(String cluster, String toVersion, String snapshot, String requestedBy) {
        return RealObjects.rollbackRecord(NAMESPACE, cluster + "-by-hand", cluster, toVersion, snapshot, requestedBy);
    }

    // --- the table ---

    record Row(Caller caller, Act act, String cluster, Situation situation, Expect expected) {
        @Override
        public String toString() {
            return caller + " " + act + " on " + cluster + " (" + situation + ") → " + expected;
        }
    }

    private static Row row(Caller caller, Act act, String cluster, Situation situation, Expect expected) {
        return new Row(caller, act, cluster, situation, expected);
    }

    // the requests the tables use most
    private static final Act ASK_FOR_FIVE = requestRollback("4.18.5", "INC-4711");
    private static final Act MOVE_BACK = moveRelease(tag("4.18.5"));
    private static final Act MOVE_ON = moveRelease(tag("4.18.7"));
    /** What the image annotations' rows set each one to: an image by digest (image-overrides takes it as well). */
    private static final String IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "c".repeat(64);

    /** A merge patch that sets the annotation {@code key} to {@link #IMAGE}, as {@code kubectl annotate} does. */
    private static String annotate(String key) {
        return "{\"metadata\":{\"annotations\":{\"" + key + "\":\"" + IMAGE + "\"}}}";
    }

    /** A row's cluster name for {@code key}: its name without the group, after {@code prefix}. */
    private static String clusterFor(String prefix, String key) {
        return prefix + key.substring(key.indexOf('/') + 1);
    }

    /** The documentation's example with the snapshot that backs a rollback to 4.18.5. */
    private static Situation backed() {
        return updatedTwoHoursAgo().withRollbackPoint();
    }

    static Stream<Row> hostedClusters() {
        String older = "spec.release.image moves from 4.18.6 to 4.18.5, an older payload.";
        return Stream.of(
                // downgrades
                row(CUSTOMER, MOVE_BACK, "moved-back", updatedTwoHoursAgo(),
                        refused("rollback-not-requested", older + " " + SRE_HINT)),
                row(CUSTOMER, MOVE_BACK.dryRun(), "moved-back-dry", updatedTwoHoursAgo(),
                        refused("rollback-not-requested", older)),
                row(CUSTOMER, moveRelease(MIRROR_OF_FIVE), "mirrored-back", historyByDigest(),
                        refused("rollback-not-requested", older)),
                row(CUSTOMER, MOVE_BACK, "customer-follows", backed().requested(),
                        refused("rollback-unauthorised", "spec.release.image moves from 4.18.6 to 4.18.5, an older payload, "
                                + "and " + NOT_GRANTED + ". " + SRE_HINT)),
                row(SRE, MOVE_BACK, "sre-follows", backed().requested(),
                        admitted("rollback-admitted")),
                row(SRE, rollBackTo("4.18.5"), "rolled", backed(),
                        admitted("rollback-admitted")),
                row(SRE, rollBackTo("4.18.5"), "rolled-workers", backed().withNodePool("4.18.6"),
                        warned("rollback-admitted", "hcp-rollback: NodePool rolled-workers-workers stays on 4.18.6; workers are "
                                + "not rolled back and will run a newer z-stream than the control plane (4.18.5)")),
                // what the sidecar writes while it rolls a cluster back: it is authorised, and judged like anyone
                row(SIDECAR, patchCluster("links the request to the record it filed", "{\"metadata\":{\"annotations\":{\""
                        + RollbackNames.LINK_ANNOTATION + "\":\"sidecar-links-4-18-5\"}}}"), "sidecar-links", backed().requested(),
                        admitted("request-recorded")),
                row(SIDECAR, patchCluster("pauses reconciliation", "{\"spec\":{\"pausedUntil\":\"true\"}}"), "sidecar-pauses",
                        backed().requested(),
                        passes()),
                row(SIDECAR, MOVE_BACK.dryRun(), "sidecar-plans", backed().requested(),
                        admitted("rollback-admitted")),
                row(SIDECAR, MOVE_BACK, "sidecar-reverts", backed().requested(),
                        admitted("rollback-admitted")),
                row(SIDECAR, MOVE_BACK, "sidecar-unasked", backed(),
                        refused("rollback-not-requested", older)),
                // rollback requests
                row(CUSTOMER, ASK_FOR_FIVE, "customer-asks", backed(),
                        refused("request-unauthorised", "only the managed service's SREs may set, change or remove the "
                                + "rollback.hypershift.openshift.io/* annotations: " + NOT_GRANTED + ".")),
                row(SRE, ASK_FOR_FIVE, "unbacked", updatedTwoHoursAgo(),
                        refused("no-verified-snapshot", "no ControlPlaneSnapshot of unbacked (uid ")),
                row(SRE, ASK_FOR_FIVE, "failed-backup", updatedTwoHoursAgo().withFailedSnapshot(),
                        refused("no-verified-snapshot", "Snapshots of this cluster: failed-backup-point (Failed, 4.18.5, not "
                                + "verified).")),
                row(SRE, ASK_FOR_FIVE, "backed", backed(),
                        admitted("request-recorded")),
                row(SRE, requestRollback("4.18.4", "INC-4711"), "two-back", backed(),
                        refused("not-previous-version", "4.18.4 is not the version spec.release.image ran before 4.18.6; the "
                                + "most recent Completed version before it is 4.18.5. A rollback goes back exactly one update.")),
                row(SRE, requestRollback("4.17.12", "INC-4711"), "other-minor", backed(),
                        refused("y-stream-rollback", "spec.release.image: a rollback from 4.18.6 to 4.17.12 crosses minor "
                                + "versions; only a z-stream rollback within 4.18 is supported.")),
                row(SRE, requestRollback("4.18.5", null), "no-reason", backed(),
                        refused("rollback-reason-missing", "a rollback request needs a non-blank "
                                + "rollback.hypershift.openshift.io/reason annotation naming the incident.")),
                row(SRE, requestRollback("previous", "INC-4711"), "not-a-version", backed(),
                        refused("rollback-version-mismatch", "rollback.hypershift.openshift.io/to-version is 'previous', "
                                + "which is not a release version such as 4.18.5.")),
                row(SRE, requestRollback("v4.18.5", "INC-4711"), "spelled-with-v", backed(),
                        refused("to-version-not-canonical", "rollback.hypershift.openshift.io/to-version is 'v4.18.5'; write "
                                + "the version as 4.18.5 (no 'v', architecture suffix or leading zeros)")),
                row(SRE, requestRollback("4.18.6", "INC-4711"), "rolled-back", rolledBackAnHourAgo(),
                        refused("target-not-older", "4.18.6 is not older than 4.18.5, the current version of "
                                + "spec.release.image: a move to it is an update, not a rollback; update the cluster the usual "
                                + "way instead.")),
                row(SRE, ASK_FOR_FIVE, "late", updatedThirtyHoursAgo(),
                        refused("rollback-window-expired", "more than the rollback window of 24h ago; roll forward instead.")),
                row(SRE, ASK_FOR_FIVE, "newer-workers", backed().withNodePool("4.19.1"),
                        refused("nodepool-newer-minor", "NodePool newer-workers-workers runs 4.19.1, a newer minor than "
                                + "4.18.5; workers may never be a minor ahead of the control plane.")),
                // cancelling a rollback: by an SRE, under their own name, before its point of no return
                row(CUSTOMER, cancelAs(CUSTOMER.username()), "cancel-by-customer", backed().requested().withRollbackRunning(false),
                        refused("request-unauthorised", "only the managed service's SREs may set, change or remove the "
                                + "rollback.hypershift.openshift.io/* annotations: " + NOT_GRANTED + ".")),
                row(SRE, cancelAs("sre-bob"), "cancel-as-other", backed().requested().withRollbackRunning(false),
                        refused("cancel-not-own-name", "rollback.hypershift.openshift.io/cancel is 'sre-bob'; it takes exactly "
                                + "your own user name, '" + SRE.username() + "', which the rollback's record shows as who "
                                + "cancelled.")),
                row(SRE, cancelAs(SRE.username()), "cancel-late", backed().requested().withRollbackRunning(true),
                        refused("cancel-past-point-of-no-return", "rollback cancel-late-rollback of cancel-late has passed its "
                                + "point of no return (step Swap): etcd's data or the payload may already be changed, so it "
                                + "always finishes and cannot be cancelled.")),
                row(SRE, cancelAs(SRE.username()), "cancel-early", backed().requested().withRollbackRunning(false),
                        admitted("cancel-recorded")),
                row(SRE, ASK_FOR_FIVE, "cancel-then-ask", backed().cancelled(),
                        refused("cancel-pending", "rollback.hypershift.openshift.io/cancel is set, so a new rollback request "
                                + "would be withdrawn at once; remove the cancel annotation first, then request again.")),
                // upgrades (the gate enforced) and payloads of unknown or equal version
                row(CUSTOMER, MOVE_ON, "ungated", backed(),
                        refused("upgrade-gate", "spec.release.image moves from 4.18.6 to 4.18.7: no verified "
                                + "ControlPlaneSnapshot of the current payload (4.18.6) younger than 12h exists, so this update "
                                + "could not be rolled back; create one with reason PreUpgrade first.")),
                row(CUSTOMER, MOVE_ON, "gated", updatedTwoHoursAgo().withFreshSnapshot(),
                        admitted("upgrade")),
                row(CUSTOMER, moveRelease(UNKNOWN_DIGEST), "unknown-to-customer", updatedTwoHoursAgo(),
                        refused("unknown-payload", "spec.release.image changes to " + UNKNOWN_DIGEST + ", whose version "
                                + "hcp-rollback cannot tell: neither this cluster's version history nor its snapshots name the "
                                + "digest")),
                row(SRE, moveRelease(UNKNOWN_DIGEST), "unknown-to-sre", updatedTwoHoursAgo(),
                        warned("unknown-version", "hcp-rollback: cannot tell the version of spec.release.image payload "
                                + UNKNOWN_DIGEST)),
                row(CUSTOMER, moveRelease(digest('6')), "repinned", historyByDigest(),
                        admitted("same-version")),
                // the payload a rollback took the cluster off: quarantined until an SRE lifts it by name
                row(ADMIN, moveRelease(tag("4.18.6")), "quarantined", rolledBackAnHourAgo().withQuarantineOfSix(),
                        refused("payload-quarantined", "spec.release.image changes to " + tag("4.18.6") + ", the payload "
                                + "4.18.6 (" + digest('6') + ") that ControlPlaneRollback rolled-back-to-4-18-5-1a2b3c4d rolled "
                                + "quarantined back from")),
                row(SRE, moveRelease(digest('6')), "quarantined-sre", rolledBackAnHourAgo().withQuarantineOfSix(),
                        refused("payload-quarantined", "it is quarantined on this cluster until an SRE lifts the quarantine"
                                + " or a newer payload is chosen")),
                row(CUSTOMER, liftQuarantineAs(TestUser.CUSTOMER.username), "lift-customer",
                        rolledBackAnHourAgo().withQuarantineOfSix(), refused("quarantine-lift-unauthorised", NOT_GRANTED)),
                row(SRE, liftQuarantineAs(TestUser.SRE.username), "lifted", rolledBackAnHourAgo().withQuarantineOfSix(),
                        admitted("quarantine-lifted")),
                row(SRE, patchCluster("removes the quarantine", "{\"metadata\":{\"annotations\":{\""
                        + PayloadQuarantine.ANNOTATION + "\":null}}}"), "unquarantined", rolledBackAnHourAgo().withQuarantineOfSix(),
                        refused("quarantine-by-sidecar", "only the sidecar sets, changes or removes it")),
                // the rollback floor of 4.17 (FLOORS), read from the ConfigMap through the sidecar's watch
                row(SRE, requestRollback("4.17.5", "INC-4711"), "floored", onSevenTeenSixAfterFive(),
                        refused("below-rollback-floor", "4.17.5 is below the rollback floor of 4.17, 4.17.6 (ConfigMap "
                                + "hcp-rollback/hcp-rollback-rollback-floors): a fix in 4.17.6 cannot be rolled back across.")),
                row(CUSTOMER, patchCluster("sets spec.controlPlaneRelease to the payload it runs",
                        "{\"spec\":{\"controlPlaneRelease\":{\"image\":\"" + tag("4.18.6") + "\"}}}"), "split", updatedTwoHoursAgo(),
                        admitted("no-release-change")));
    }

    /**
     * Every image annotation, a row each for the customer (refused) and the SRE (admitted): the API server sends the
     * change to the webhook only if the matchCondition lists the key, so a key missing there passes unjudged.
     */
    static Stream<Row> imageAnnotations() {
        return HostedCluster.IMAGE_ANNOTATIONS.stream().flatMap(key -> Stream.of(
                row(CUSTOMER, patchCluster("sets " + key, annotate(key)), clusterFor("customer-", key), updatedTwoHoursAgo(),
                        refused("image-override-unauthorised", "setting, changing or removing " + key + " swaps "
                                + "control-plane images (possibly for older ones), so it needs the rollback verb, and "
                                + NOT_GRANTED + ". These are debugging levers for the managed service's SREs.")),
                row(SRE, patchCluster("sets " + key, annotate(key)), clusterFor("sre-", key), updatedTwoHoursAgo(),
                        admitted("image-override-authorised"))));
    }

    static Stream<Row> hostedControlPlanes() {
        String writers = ". Only the HyperShift operator (" + HYPERSHIFT.username() + ") and hcp-rollback ("
                + SIDECAR.username() + ") write the release images of a HostedControlPlane; change the HostedCluster's "
                + "spec.release or spec.controlPlaneRelease instead, where the rollback rules apply.";
        Act moveBack = patchControlPlane("moves its HostedControlPlane's spec.releaseImage to 4.18.5",
                "{\"spec\":{\"releaseImage\":\"" + tag("4.18.5") + "\"}}");
        return Stream.of(
                row(SRE, moveBack, "hcp-moved", updatedTwoHoursAgo().withControlPlane(),
                        refused("hcp-release-writer", "HostedControlPlane " + controlPlaneNamespace("hcp-moved")
                                + "/hcp-moved: spec.releaseImage changed from " + tag("4.18.6") + " to " + tag("4.18.5")
                                + writers)),
                row(ADMIN, patchControlPlane("removes its HostedControlPlane's spec.controlPlaneReleaseImage",
                        "{\"spec\":{\"controlPlaneReleaseImage\":null}}"), "hcp-unpinned",
                        updatedTwoHoursAgo().withControlPlaneOverride(digest('4')),
                        refused("hcp-release-writer", "spec.controlPlaneReleaseImage removed (was " + digest('4') + ")"
                                + writers)),
                row(HYPERSHIFT, moveBack, "hcp-by-hypershift", updatedTwoHoursAgo().withControlPlane(),
                        passes()));
    }

    /**
     * Every image annotation on a HostedControlPlane, where HyperShift copies several: an SRE (the customer holds
     * nothing in a control-plane namespace) is refused, the HyperShift operator passes without a call.
     */
    static Stream<Row> controlPlaneImageAnnotations() {
        return HostedCluster.IMAGE_ANNOTATIONS.stream().flatMap(key -> {
            Act set = patchControlPlane("sets " + key + " on its HostedControlPlane", annotate(key));
            String cluster = clusterFor("hcp-sre-", key);
            return Stream.of(
                    row(SRE, set, cluster, updatedTwoHoursAgo().withControlPlane(),
                            refused("hcp-image-annotation-writer", "HostedControlPlane " + controlPlaneNamespace(cluster)
                                    + "/" + cluster + ": annotation " + key + " set to " + IMAGE + ". Only the HyperShift "
                                    + "operator (" + HYPERSHIFT.username() + ") and hcp-rollback (" + SIDECAR.username()
                                    + ") write the image annotations of a HostedControlPlane, which HyperShift copies from the "
                                    + "HostedCluster; set them on the HostedCluster instead, where the image override rules "
                                    + "apply.")),
                    row(HYPERSHIFT, set, clusterFor("hcp-hs-", key), updatedTwoHoursAgo().withControlPlane(),
                            passes()));
        });
    }

    static Stream<Row> snapshots() {
        Act deletePoint = deleteSnapshot("its rollback point", "-point");
        return Stream.of(
                row(CUSTOMER, writeStatus(Kind.SNAPSHOT, "-point"), "snap-status", backed(),
                        refused("snapshot-status-writer", "only " + SIDECAR.username() + " may write the status of a "
                                + "ControlPlaneSnapshot; it records what was verified in storage.")),
                // the CRD's rule answers before the webhook is called
                row(CUSTOMER, patchSnapshot("re-points its rollback point to another cluster", "-point",
                        "{\"spec\":{\"hostedClusterName\":\"payments\"}}"), "snap-repointed", backed(),
                        invalid("spec: Invalid value: \"object\": spec is immutable: it records which cluster the snapshot "
                                + "holds; create a new ControlPlaneSnapshot instead")),
                row(CUSTOMER, deletePoint, "point-kept", backed(),
                        refused("snapshot-rollback-point", "snapshot point-kept-point is the rollback point of HostedCluster "
                                + "point-kept inside its rollback window, and " + NOT_GRANTED + ".")),
                row(CUSTOMER, deletePoint.dryRun(), "point-kept-dry", backed(),
                        refused("snapshot-rollback-point", "is the rollback point")),
                row(SRE, deletePoint, "point-dropped", backed(),
                        admitted("snapshot-rollback-point")),
                row(CUSTOMER, deleteSnapshot("an older snapshot", "-older"), "older-dropped", backed().withOlderSnapshot(),
                        admitted("snapshot-write")),
                row(CUSTOMER, patchSnapshot("labels its rollback point", "-point",
                        "{\"metadata\":{\"labels\":{\"team\":\"payments\"}}}"), "point-labelled", backed(),
                        admitted("snapshot-write")));
    }

    static Stream<Row> updateRecords() {
        String writer = "only " + SIDECAR.username() + " may ";
        String why = "; its health verdict, rollback point and automatic-rollback record are what retention and automatic "
                + "rollbacks act on. Read it with kubectl get cpupd.";
        Act create = new Act("creates a ControlPlaneUpdate", Kind.UPDATE_RECORD, 201,
                name -> ApiRequest.create(Kind.UPDATE_RECORD.collection(NAMESPACE),
                        RealObjects.updateRecord(NAMESPACE, name + "-by-hand", name, HostedClusters.UID)));
        Act moveOn = onObject("moves its update record's spec.toVersion", Kind.UPDATE_RECORD, "-update",
                update -> ApiRequest.mergePatch(Kind.UPDATE_RECORD.object(NAMESPACE, update),
                        json("{\"spec\":{\"toVersion\":\"4.18.7\"}}")));
        return Stream.of(
                row(CUSTOMER, create, "update-by-hand", updatedTwoHoursAgo(),
                        refused("update-record-writer", writer + "create a ControlPlaneUpdate" + why)),
                row(SRE, writeStatus(Kind.UPDATE_RECORD, "-update"), "update-judged", updatedTwoHoursAgo().withUpdateRecord(),
                        refused("update-record-writer", writer + "write a ControlPlaneUpdate's status" + why)),
                row(CUSTOMER, moveOn, "update-rewritten", updatedTwoHoursAgo().withUpdateRecord(),
                        invalid("spec is immutable: it records which update of which cluster this is")));
    }

    static Stream<Row> rollbackRecords() {
        String sre = TestUser.SRE.username;
        Act rewrite = onObject("changes its rollback record's spec.toVersion", Kind.ROLLBACK, "-rollback",
                rollback -> ApiRequest.mergePatch(Kind.ROLLBACK.object(NAMESPACE, rollback),
                        json("{\"spec\":{\"toVersion\":\"4.18.4\"}}")));
        return Stream.of(
                row(CUSTOMER, createRecord("of its valid rollback", name -> record(name, "4.18.5", name + "-point",
                        TestUser.CUSTOMER.username)), "handmade", backed(),
                        refused("rollback-record-unauthorised", "only hcp-rollback (from an admitted request) and "
                                + "requesters holding the verb rollback create ControlPlaneRollback records, and " + NOT_GRANTED
                                + ". A rollback is requested by the managed service's SRE team with the annotations "
                                + "rollback.hypershift.openshift.io/to-version and rollback.hypershift.openshift.io/reason on "
                                + "HostedCluster handmade.")),
                row(SRE, createRecord("naming no requester", name -> record(name, "4.18.5", name + "-point", null)),
                        "unsigned", backed(),
                        refused("rollback-record-requester", "spec.requestedBy is empty; a ControlPlaneRollback created "
                                + "directly must name its creator, sre-alice, so that its Events say who asked.")),
                row(SRE, createRecord("of a cluster that is not there", name -> record("missing", "4.18.5", "missing-point",
                        sre)), "record-of-missing", updatedTwoHoursAgo(),
                        refused("rollback-record-no-cluster", "ControlPlaneRollback missing-by-hand names HostedCluster "
                                + NAMESPACE + "/missing, which does not exist.")),
                row(SRE, createRecord("naming no version", name -> record(name, "", name + "-point", sre)),
                        "versionless", backed(),
                        refused("rollback-record-incomplete", "ControlPlaneRollback versionless-by-hand needs "
                                + "spec.hostedClusterName and spec.toVersion.")),
                row(SRE, createRecord("two updates back", name -> record(name, "4.18.4", name + "-point", sre)),
                        "record-two-back", backed(),
                        refused("not-previous-version", "4.18.4 is not the version spec.release.image ran before 4.18.6; "
                                + "the most recent Completed version before it is 4.18.5. A rollback goes back exactly one "
                                + "update. (ControlPlaneRollback record-two-back-by-hand is judged as the rollback request it "
                                + "stands for.)")),
                row(SRE, createRecord("restoring another snapshot", name -> record(name, "4.18.5", name + "-older", sre)),
                        "wrong-snapshot", backed().withOlderSnapshot(),
                        refused("rollback-record-snapshot", "spec.snapshotName is wrong-snapshot-older, but a RestoreEtcd "
                                + "rollback of HostedCluster wrong-snapshot restores its rollback point, snapshot "
                                + "wrong-snapshot-point.")),
                row(SRE, createRecord("of its rollback point", name -> record(name, "4.18.5", name + "-point", sre)),
                        "record-admitted", backed(),
                        admitted("rollback-record-admitted")),
                row(CUSTOMER, writeStatus(Kind.ROLLBACK, "-rollback"), "record-status", updatedTwoHoursAgo().withRollbackRecord(),
                        refused("rollback-record-status-writer", "only " + SIDECAR.username() + " may write the status of "
                                + "a ControlPlaneRollback; it reports what the rollback controller did.")),
                row(CUSTOMER, rewrite, "record-rewritten", updatedTwoHoursAgo().withRollbackRecord(),
                        invalid("spec is immutable: it is what was admitted; create a new ControlPlaneRollback instead")));
    }

    private static final List<Row> ROWS = Stream.of(hostedClusters(), imageAnnotations(), hostedControlPlanes(),
            controlPlaneImageAnnotations(), snapshots(), updateRecords(), rollbackRecords()).flatMap(rows -> rows).toList();

    static Stream<Row> rows() {
        return ROWS.stream();
    }

    @BeforeAll
    static void everySituationWrittenAndSeenBySidecarEnforcingTheUpgradeGate() throws Exception {
        cluster = RealManagementCluster.fresh("admission-rules-it", NAMESPACE);
        try (KubernetesClient admin = cluster.client(TestUser.ADMIN)) {
            admin.configMaps().inNamespace("hcp-rollback").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                    .withNewMetadata().withName("hcp-rollback-rollback-floors").endMetadata().addToData(FLOORS).build()).create();
        }
        SidecarProcess sidecar = cluster.startSidecar("sidecar",
                RealAdmission.sidecarConfig(Map.of("hcp-rollback.upgrade-gate.mode", "enforce")));
        cluster.routeWebhooksTo(sidecar);
        admission = new RealAdmission(cluster.server(), sidecar);
        ROWS.forEach(row -> row.situation().put(row.cluster()));
        awaitTheSidecarSeesEverything();
        ROWS.forEach(row -> row.situation().putOnceSeen(row.cluster()));
    }

    @AfterAll
    static void removeTheWebhooksAndStopTheSidecar() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theRuleAppliesToTheRealRequest(Row row) {
        Act act = row.act();
        admission.check(row.toString(), row.caller(), act.request().apply(row.cluster()), act.kind(), act.successStatus(),
                row.expected());
    }

    /**
     * Waits until the sidecar's informer caches hold every situation. Each kind's watch delivers its events in the
     * order they happened, so a fence written after everything else tells: a cluster {@code fence} with its
     * rollback point, a NodePool on a newer minor and a rollback past its point of no return, written last. The
     * webhook refuses the customer's deletion of the fence's rollback point once it sees the fence cluster and its
     * verified snapshot, an SRE's request on it for the NodePool once it also sees that, and an SRE's cancel once it
     * sees the rollback.
     */
    private static void awaitTheSidecarSeesEverything() {
        updatedTwoHoursAgo().withRollbackPoint().withNodePool("4.19.1").withRollbackRunning(true).put("fence");
        ApiRequest deletePoint = deleteSnapshot("its rollback point", "-point").request().apply("fence").dryRun();
        ApiRequest request = ASK_FOR_FIVE.request().apply("fence").dryRun();
        ApiRequest cancel = cancelAs(SRE.username()).request().apply("fence").dryRun();
        Awaitility.await("the sidecar's caches show every HostedCluster, snapshot, NodePool and rollback written")
                .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> CUSTOMER.send(cluster.server(), deletePoint).message().contains("[snapshot-rollback-point]")
                        && SRE.send(cluster.server(), request).message().contains("[nodepool-newer-minor]")
                        && SRE.send(cluster.server(), cancel).message().contains("[cancel-past-point-of-no-return]"));
    }

    // --- small helpers ---

    private static String controlPlaneNamespace(String cluster) {
        return NAMESPACE + "-" + cluster;
    }

    /** A control-plane namespace: HyperShift's alone, the customer holds nothing there. */
    private static void createNamespace(String name) {
        try (KubernetesClient admin = cluster.client(TestUser.ADMIN)) {
            Install.apply(admin, new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build());
        }
    }

    private static ObjectNode json(String text) {
        return RealObjects.parse(text);
    }

    private static ObjectNode wrap(String field, JsonNode value) {
        return RealObjects.wrap(field, value);
    }
}
