package dev.hcprollback.webhook;

import static dev.hcprollback.testing.Caller.ADMIN;
import static dev.hcprollback.testing.Caller.CUSTOMER;
import static dev.hcprollback.testing.Caller.HYPERSHIFT;
import static dev.hcprollback.testing.Caller.SIDECAR;
import static dev.hcprollback.testing.Caller.SRE;
import static dev.hcprollback.testing.Caller.VELERO;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.RealAdmission.Expect.admitted;
import static dev.hcprollback.testing.RealAdmission.Expect.forbidden;
import static dev.hcprollback.testing.RealAdmission.Expect.invalid;
import static dev.hcprollback.testing.RealAdmission.Expect.passes;
import static dev.hcprollback.testing.RealAdmission.Expect.refused;
import static dev.hcprollback.testing.RealAdmission.Expect.warned;
import static java.util.stream.Stream.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.hypershift.HostedCluster;
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
 * Every webhook of the install as a real API server calls it: for each operation and subresource it is registered
 * for, on each shape its kind allows (no spec, no status, metadata-only edits, status writes, deletes, dry runs),
 * by each user. The webhooks' matchConditions are CEL that only the API server evaluates: an expression that
 * errors on some shape fails closed and refuses a harmless request. Each row is one request and says whether the
 * API server should call the webhook at all and what the caller sees; the rules themselves are
 * {@link AdmissionRulesOnRealApiServerIT}'s.
 *
 * <p>A row reads: caller, request, the object it finds (put there before by that kind's writers: HyperShift, the
 * sidecar, a customer), and the outcome. Each row has objects of its own, so rows never depend on each other, and no
 * row's outcome depends on what the sidecar's caches hold (no snapshot here belongs to an existing cluster).
 */
class WebhookFiltersOnRealApiServerIT {

    private static final String NAMESPACE = "webhook-filters";
    /** HyperShift's control-plane namespace of a cluster of {@link #NAMESPACE}: where HostedControlPlanes live. */
    private static final String CONTROL_PLANE_NAMESPACE = NAMESPACE + "-payments";
    private static final String REQUEST_DENIED = "only the managed service's SREs may set, change or remove the "
            + "rollback.hypershift.openshift.io/* annotations: RBAC does not grant customer-admin the verb rollback on "
            + "hostedclusters.hypershift.openshift.io in namespace " + NAMESPACE + ", and the user is on no allow-list.";
    private static final String OVERRIDE = "cluster-version-operator=quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:"
            + "c".repeat(64);

    /** One of the image annotations HyperShift copies to the HostedControlPlane, and an image to set it to. */
    private static final String AGENT_IMAGE = HostedCluster.GROUP + "/konnectivity-agent-image";
    private static final String IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "a".repeat(64);
    private static final String IMAGE_DENIED = "setting, changing or removing " + AGENT_IMAGE + " swaps control-plane images";

    private static final AtomicInteger NAMES = new AtomicInteger();

    private static RealManagementCluster cluster;
    private static RealAdmission admission;

    @BeforeAll
    static void theShippedWebhooksCallOneSidecar() throws Exception {
        cluster = RealManagementCluster.fresh("webhook-filters-it", NAMESPACE);
        // a control-plane namespace: HyperShift's alone, the customer holds nothing there
        try (KubernetesClient admin = cluster.client(TestUser.ADMIN)) {
            Install.apply(admin,
                    new NamespaceBuilder().withNewMetadata().withName(CONTROL_PLANE_NAMESPACE).endMetadata().build());
        }
        SidecarProcess sidecar = cluster.startSidecar("sidecar", RealAdmission.sidecarConfig(Map.of()));
        cluster.routeWebhooksTo(sidecar);
        admission = new RealAdmission(cluster.server(), sidecar);
    }

    @AfterAll
    static void removeTheWebhooksAndStopTheSidecar() {
        if (cluster != null) {
            cluster.close();
        }
    }

    // --- the objects a row finds: each kind's shapes, and who writes them ---

    /** An object of one shape, and who puts it there before a row's request: its creator and its status writer. */
    record Shape(Kind kind, String description, Function<String, ObjectNode> build, Caller creator, Caller statusWriter) {

        ObjectNode object() {
            return build.apply(kind.kind.toLowerCase(Locale.ROOT) + "-" + NAMES.incrementAndGet());
        }

        @Override
        public String toString() {
            return kind + " " + description;
        }
    }

    private static final Shape CLUSTER = new Shape(Kind.HOSTED_CLUSTER, "on 4.18.6 after 4.18.5",
            name -> RealObjects.hostedCluster(HostedClusters.onSixAfterFive(name), NAMESPACE), ADMIN, HYPERSHIFT);
    private static final Shape SPECLESS_CLUSTER = new Shape(Kind.HOSTED_CLUSTER, "with no spec and no status",
            name -> Kind.HOSTED_CLUSTER.named(NAMESPACE, name), ADMIN, ADMIN);
    private static final Shape REQUESTING_CLUSTER = new Shape(Kind.HOSTED_CLUSTER, "carrying a rollback reason",
            name -> RealObjects.hostedCluster(HostedClusters.onSixAfterFive(name).annotate(RollbackRequest.REASON, "INC-1"),
                    NAMESPACE), ADMIN, HYPERSHIFT);
    private static final Shape REQUESTED_NEW_CLUSTER = new Shape(Kind.HOSTED_CLUSTER, "carrying a rollback request",
            name -> RealObjects.hostedCluster(HostedClusters.onSixAfterFive(name).requestRollback("4.18.5", "INC-1"), NAMESPACE),
            ADMIN, HYPERSHIFT);
    private static final Shape OVERRIDDEN_CLUSTER = new Shape(Kind.HOSTED_CLUSTER, "carrying an image override",
            name -> RealObjects.hostedCluster(HostedClusters.onSixAfterFive(name).annotate(HostedCluster.IMAGE_OVERRIDES,
                    OVERRIDE), NAMESPACE), ADMIN, HYPERSHIFT);
    private static final Shape IMAGED_CLUSTER = new Shape(Kind.HOSTED_CLUSTER, "carrying a konnectivity agent image",
            name -> RealObjects.hostedCluster(HostedClusters.onSixAfterFive(name).annotate(AGENT_IMAGE, IMAGE), NAMESPACE),
            ADMIN, HYPERSHIFT);
    private static final Shape SPLIT_CLUSTER = new Shape(Kind.HOSTED_CLUSTER, "with spec.controlPlaneRelease",
            name -> RealObjects.hostedCluster(HostedClusters.onSixAfterFive(name).controlPlaneRelease(tag("4.18.6")), NAMESPACE),
            ADMIN, HYPERSHIFT);
    private static final Shape CONTROL_PLANE = new Shape(Kind.HOSTED_CONTROL_PLANE, "on 4.18.6",
            name -> RealObjects.hostedControlPlane(HostedClusters.onSixAfterFive(name), CONTROL_PLANE_NAMESPACE), HYPERSHIFT,
            HYPERSHIFT);
    private static final Shape SPECLESS_CONTROL_PLANE = new Shape(Kind.HOSTED_CONTROL_PLANE, "with no spec and no status",
            name -> Kind.HOSTED_CONTROL_PLANE.named(CONTROL_PLANE_NAMESPACE, name), HYPERSHIFT, HYPERSHIFT);
    private static final Shape IMAGED_CONTROL_PLANE = new Shape(Kind.HOSTED_CONTROL_PLANE,
            "carrying a konnectivity agent image", name -> withAnnotation(RealObjects.hostedControlPlane(
                    HostedClusters.onSixAfterFive(name), CONTROL_PLANE_NAMESPACE), AGENT_IMAGE, IMAGE), HYPERSHIFT, HYPERSHIFT);
    private static final Shape IMAGED_SPECLESS_CONTROL_PLANE = new Shape(Kind.HOSTED_CONTROL_PLANE,
            "with no spec, carrying a konnectivity agent image",
            name -> withAnnotation(Kind.HOSTED_CONTROL_PLANE.named(CONTROL_PLANE_NAMESPACE, name), AGENT_IMAGE, IMAGE),
            HYPERSHIFT, HYPERSHIFT);
    private static final Shape VERIFIED_SNAPSHOT = new Shape(Kind.SNAPSHOT, "verified, of a cluster not here",
            name -> RealObjects.verifiedSnapshot(name, clusterNotHere(), "4.18.5", tag("4.18.5"), Instant.now()),
            SIDECAR, SIDECAR);
    private static final Shape REQUESTED_SNAPSHOT = new Shape(Kind.SNAPSHOT, "asked for, no status yet",
            name -> withSpec(Kind.SNAPSHOT.named(NAMESPACE, name), spec(Kind.SNAPSHOT)), CUSTOMER, CUSTOMER);
    private static final Shape ROLLBACK_RECORD = new Shape(Kind.ROLLBACK, "the sidecar filed",
            name -> withStatus(RealObjects.rollbackRecord(NAMESPACE, name, "payments", "4.18.5", "payments-point", null),
                    "phase", "Pending"), SIDECAR, SIDECAR);
    private static final Shape UPDATE_RECORD = new Shape(Kind.UPDATE_RECORD, "the sidecar wrote",
            name -> RealObjects.updateRecord(NAMESPACE, name, "payments", HostedClusters.UID), SIDECAR, SIDECAR);

    /**
     * An object of one of the project's kinds with no spec: a create that the CRD refuses (a spec is what the
     * controllers act on), so no row finds one.
     */
    private static Shape specless(Kind kind) {
        return new Shape(kind, "with no spec", name -> kind.named(NAMESPACE, name), SIDECAR, SIDECAR);
    }

    /** The fixture's cluster, which the verified snapshots here name: never created, so none is a rollback point. */
    private static JsonNode clusterNotHere() {
        ObjectNode fixture = HostedClusters.fixture().json();
        ((ObjectNode) fixture.get("metadata")).put("namespace", NAMESPACE);
        return fixture;
    }

    /** A whole spec, as its writer sets it, for the kinds that may lack one. */
    private static JsonNode spec(Kind kind) {
        return switch (kind) {
            case HOSTED_CLUSTER -> HostedClusters.fixture().json().get("spec");
            case HOSTED_CONTROL_PLANE ->
                RealObjects.hostedControlPlane(HostedClusters.fixture(), CONTROL_PLANE_NAMESPACE).get("spec");
            case SNAPSHOT -> json("{\"hostedClusterName\":\"payments\",\"reason\":\"Manual\"}");
            default -> throw new IllegalArgumentException("no row sets a whole " + kind + " spec");
        };
    }

    /** An edit of one spec field that the kind's schema accepts. */
    private static JsonNode specEdit(Kind kind) {
        return switch (kind) {
            case HOSTED_CLUSTER, HOSTED_CONTROL_PLANE -> json("{\"channel\":\"fast-4.18\"}");
            case SNAPSHOT -> json("{\"reason\":\"PreUpgrade\"}");
            case ROLLBACK -> json("{\"reason\":\"INC-4712: another incident\"}");
            case UPDATE_RECORD -> json("{\"toVersion\":\"4.18.7\"}");
            case NODE_POOL -> throw new IllegalArgumentException("no webhook guards NodePools");
        };
    }

    /** An edit of one status field that the kind's schema accepts. */
    private static JsonNode statusEdit(Kind kind) {
        return switch (kind) {
            case HOSTED_CLUSTER -> json("{\"ignitionEndpoint\":\"ignition.example.com\"}");
            case HOSTED_CONTROL_PLANE -> json("{\"ready\":false}");
            default -> json("{\"message\":\"written by hand\"}");
        };
    }

    // --- the requests of a row ---

    /** A request: of the shape's object (a create), or aimed at that object as the server stored it. */
    record Call(String description, boolean creates, BiFunction<Kind, ObjectNode, ApiRequest> request) {

        Call dryRun() {
            return new Call(description + " (dry run)", creates, (kind, object) -> request.apply(kind, object).dryRun());
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private static final Call CREATE = new Call("creates", true,
            (kind, object) -> ApiRequest.create(kind.collection(namespace(object)), object));
    private static final Call CREATE_BY_GENERATE_NAME = new Call("creates by generateName", true, (kind, object) -> {
        ObjectNode metadata = (ObjectNode) object.get("metadata");
        metadata.put("generateName", metadata.remove("name").asText() + "-");
        return ApiRequest.create(kind.collection(namespace(object)), object);
    });
    private static final Call APPLY = new Call("creates by server-side apply", true,
            (kind, object) -> ApiRequest.apply(kind.object(namespace(object), name(object)), object));
    /** {@code kubectl apply --server-side} of a label to an object that exists: an UPDATE of metadata only. */
    private static final Call APPLY_LABEL = new Call("applies a label server-side", false, (kind, object) -> {
        ObjectNode intent = kind.named(namespace(object), name(object));
        ((ObjectNode) intent.get("metadata")).putObject("labels").put("team", "payments");
        return ApiRequest.apply(kind.object(namespace(object), name(object)), intent);
    });
    private static final Call LABEL = patch("labels", "{\"metadata\":{\"labels\":{\"team\":\"payments\"}}}");
    private static final Call ANNOTATE = patch("annotates",
            "{\"metadata\":{\"annotations\":{\"example.com/note\":\"reviewed\"}}}");
    private static final Call ADD_FINALIZER = patch("adds a finalizer", "{\"metadata\":{\"finalizers\":[\"example.com/keep\"]}}");
    private static final Call REQUEST_ROLLBACK = patch("sets rollback request annotations", "{\"metadata\":{\"annotations\":{\""
            + RollbackRequest.TO_VERSION + "\":\"4.18.5\",\"" + RollbackRequest.REASON + "\":\"INC-1\"}}}");
    private static final Call REMOVE_REASON = patch("removes the rollback reason",
            "{\"metadata\":{\"annotations\":{\"" + RollbackRequest.REASON + "\":null}}}");
    private static final Call REMOVE_ANNOTATIONS = patch("removes every annotation", "{\"metadata\":{\"annotations\":null}}");
    private static final Call REMOVE_CONTROL_PLANE_RELEASE = patch("removes spec.controlPlaneRelease",
            "{\"spec\":{\"controlPlaneRelease\":null}}");
    private static final Call SET_CONTROL_PLANE_RELEASE = patch("sets spec.controlPlaneRelease to the payload it runs",
            "{\"spec\":{\"controlPlaneRelease\":{\"image\":\"" + tag("4.18.6") + "\"}}}");
    private static final Call REMOVE_OVERRIDE = patch("removes the image override",
            "{\"metadata\":{\"annotations\":{\"" + HostedCluster.IMAGE_OVERRIDES + "\":null}}}");
    private static final Call SET_AGENT_IMAGE = patch("sets the konnectivity agent image",
            "{\"metadata\":{\"annotations\":{\"" + AGENT_IMAGE + "\":\"" + IMAGE + "\"}}}");
    private static final Call SET_EMPTY_AGENT_IMAGE = patch("sets the konnectivity agent image to ''",
            "{\"metadata\":{\"annotations\":{\"" + AGENT_IMAGE + "\":\"\"}}}");
    private static final Call REMOVE_AGENT_IMAGE = patch("removes the konnectivity agent image",
            "{\"metadata\":{\"annotations\":{\"" + AGENT_IMAGE + "\":null}}}");
    private static final Call UPGRADE = patch("moves spec.release.image to 4.18.7",
            "{\"spec\":{\"release\":{\"image\":\"" + tag("4.18.7") + "\"}}}");
    private static final Call REMOVE_RELEASE = patch("removes spec.release", "{\"spec\":{\"release\":null}}");
    private static final Call MOVE_RELEASE_IMAGE = patch("moves spec.releaseImage to 4.18.5",
            "{\"spec\":{\"releaseImage\":\"" + tag("4.18.5") + "\"}}");
    private static final Call SET_CONTROL_PLANE_RELEASE_IMAGE = patch("sets spec.controlPlaneReleaseImage",
            "{\"spec\":{\"controlPlaneReleaseImage\":\"" + tag("4.18.6") + "\"}}");
    private static final Call REMOVE_SPEC = patch("removes the spec", "{\"spec\":null}");
    private static final Call EDIT_SPEC = new Call("edits a spec field", false,
            (kind, object) -> ApiRequest.mergePatch(kind.object(namespace(object), name(object)), wrap("spec", specEdit(kind))));
    private static final Call SET_SPEC = new Call("sets a whole spec", false,
            (kind, object) -> ApiRequest.mergePatch(kind.object(namespace(object), name(object)), wrap("spec", spec(kind))));
    private static final Call WRITE_STATUS = new Call("writes the status", false,
            (kind, object) -> ApiRequest.mergePatch(kind.status(namespace(object), name(object)),
                    wrap("status", statusEdit(kind))));
    private static final Call REPLACE = new Call("replaces it with a label added", false, (kind, object) -> {
        ((ObjectNode) object.get("metadata")).putObject("labels").put("team", "payments");
        return ApiRequest.replace(kind.object(namespace(object), name(object)), object);
    });
    private static final Call DELETE = new Call("deletes", false,
            (kind, object) -> ApiRequest.delete(kind.object(namespace(object), name(object))));
    /** {@code kubectl delete --all} narrowed to one object: the API server asks admission once per object. */
    private static final Call DELETE_COLLECTION = new Call("deletes the collection", false, (kind, object) -> ApiRequest
            .delete(kind.collection(namespace(object)) + "?fieldSelector=metadata.name%3D" + name(object)));

    private static Call patch(String description, String patch) {
        return new Call(description, false,
                (kind, object) -> ApiRequest.mergePatch(kind.object(namespace(object), name(object)), json(patch)));
    }

    // --- the table ---

    record Row(Caller caller, Call call, Shape shape, Expect expected) {
        @Override
        public String toString() {
            return caller + " " + call + (call.creates() ? " a " : ": ") + shape + " → " + expected;
        }
    }

    private static Row row(Caller caller, Call call, Shape shape, Expect expected) {
        return new Row(caller, call, shape, expected);
    }

    /** The same request by every caller, a row each: a filter that names who it skips must skip no one else. */
    private static Stream<Row> byEveryone(Call call, Shape shape, Function<Caller, Expect> expected) {
        return Arrays.stream(Caller.values()).map(caller -> row(caller, call, shape, expected.apply(caller)));
    }

    static Stream<Row> hostedClusters() {
        return concat(byEveryone(LABEL, CLUSTER, caller -> passes()), Stream.of(
                // CREATE: judged only when it carries a rollback request or an image override
                row(ADMIN, CREATE, CLUSTER, passes()),
                row(ADMIN, CREATE.dryRun(), CLUSTER, passes()),
                row(ADMIN, CREATE_BY_GENERATE_NAME, CLUSTER, passes()),
                row(ADMIN, APPLY, CLUSTER, passes()),
                row(ADMIN, CREATE, SPECLESS_CLUSTER, passes()),
                row(CUSTOMER, CREATE, CLUSTER, forbidden()),
                row(SRE, CREATE, REQUESTED_NEW_CLUSTER, refused("not-previous-version",
                        "a new HostedCluster has no previous version to roll back to.")),
                row(SRE, CREATE.dryRun(), REQUESTED_NEW_CLUSTER, refused("not-previous-version",
                        "a new HostedCluster has no previous version to roll back to.")),
                row(ADMIN, CREATE, REQUESTING_CLUSTER, admitted("request-recorded")),
                // a restore from a backup is a create like any other
                row(VELERO, CREATE, CLUSTER, passes()),
                row(VELERO, CREATE, REQUESTED_NEW_CLUSTER, refused("not-previous-version",
                        "a new HostedCluster has no previous version to roll back to.")),
                row(ADMIN, CREATE, OVERRIDDEN_CLUSTER, admitted("image-override-authorised")),
                // UPDATE of the main resource: judged only when a release or a guarded annotation changes
                row(CUSTOMER, LABEL.dryRun(), CLUSTER, passes()),
                row(CUSTOMER, ANNOTATE, CLUSTER, passes()),
                row(CUSTOMER, ADD_FINALIZER, CLUSTER, passes()),
                row(CUSTOMER, EDIT_SPEC, CLUSTER, passes()),
                row(CUSTOMER, REPLACE, CLUSTER, passes()),
                row(CUSTOMER, UPGRADE, CLUSTER, warned("upgrade-gate",
                        "hcp-rollback: no verified ControlPlaneSnapshot of the current payload (4.18.6) younger than 12h")),
                row(CUSTOMER, REQUEST_ROLLBACK, CLUSTER, refused("request-unauthorised", REQUEST_DENIED)),
                row(CUSTOMER, REQUEST_ROLLBACK.dryRun(), CLUSTER, refused("request-unauthorised", REQUEST_DENIED)),
                row(CUSTOMER, REMOVE_RELEASE, CLUSTER, invalid("spec.release: Required value")),
                row(CUSTOMER, REMOVE_SPEC, CLUSTER, invalid("infraID cannot be removed once set")),
                row(CUSTOMER, LABEL, REQUESTING_CLUSTER, passes()),
                row(CUSTOMER, REMOVE_REASON, REQUESTING_CLUSTER, refused("request-unauthorised", REQUEST_DENIED)),
                row(CUSTOMER, LABEL, OVERRIDDEN_CLUSTER, passes()),
                row(CUSTOMER, REMOVE_OVERRIDE, OVERRIDDEN_CLUSTER, refused("image-override-unauthorised",
                        "setting, changing or removing " + HostedCluster.IMAGE_OVERRIDES + " swaps control-plane images")),
                // any image annotation, whatever else the object carries (AdmissionRulesOnRealApiServerIT has every key)
                row(ADMIN, CREATE, IMAGED_CLUSTER, admitted("image-override-authorised")),
                row(CUSTOMER, LABEL, IMAGED_CLUSTER, passes()),
                row(CUSTOMER, SET_AGENT_IMAGE, IMAGED_CLUSTER, passes()),
                row(CUSTOMER, REPLACE, IMAGED_CLUSTER, passes()),
                row(CUSTOMER, REMOVE_AGENT_IMAGE, IMAGED_CLUSTER, refused("image-override-unauthorised", IMAGE_DENIED)),
                row(CUSTOMER, REMOVE_ANNOTATIONS, IMAGED_CLUSTER, refused("image-override-unauthorised", IMAGE_DENIED)),
                row(CUSTOMER, REMOVE_ANNOTATIONS, CLUSTER, passes()),
                row(CUSTOMER, SET_AGENT_IMAGE, CLUSTER, refused("image-override-unauthorised", IMAGE_DENIED)),
                row(CUSTOMER, SET_AGENT_IMAGE.dryRun(), CLUSTER, refused("image-override-unauthorised", IMAGE_DENIED)),
                row(CUSTOMER, SET_EMPTY_AGENT_IMAGE, CLUSTER, refused("image-override-unauthorised", IMAGE_DENIED)),
                row(CUSTOMER, SET_AGENT_IMAGE, SPECLESS_CLUSTER, refused("image-override-unauthorised", IMAGE_DENIED)),
                row(SRE, SET_AGENT_IMAGE, CLUSTER, admitted("image-override-authorised")),
                row(CUSTOMER, REMOVE_ANNOTATIONS, REQUESTING_CLUSTER, refused("request-unauthorised", REQUEST_DENIED)),
                row(CUSTOMER, APPLY_LABEL, REQUESTING_CLUSTER, passes()),
                row(CUSTOMER, LABEL, SPLIT_CLUSTER, passes()),
                row(CUSTOMER, REMOVE_CONTROL_PLANE_RELEASE, SPLIT_CLUSTER, admitted("no-release-change")),
                row(CUSTOMER, SET_CONTROL_PLANE_RELEASE, CLUSTER, admitted("no-release-change")),
                row(CUSTOMER, LABEL, SPECLESS_CLUSTER, passes()),
                row(CUSTOMER, REQUEST_ROLLBACK, SPECLESS_CLUSTER, refused("request-unauthorised", REQUEST_DENIED)),
                // a payload that appears is HyperShift's own validation to judge
                row(CUSTOMER, SET_SPEC, SPECLESS_CLUSTER, admitted("no-release-change")),
                // the status subresource is not registered: a status write cannot carry metadata (see below)
                row(HYPERSHIFT, WRITE_STATUS, CLUSTER, passes()),
                row(CUSTOMER, WRITE_STATUS, CLUSTER, forbidden()),
                // DELETE is not registered
                row(ADMIN, DELETE, CLUSTER, passes()),
                row(ADMIN, DELETE.dryRun(), CLUSTER, passes()),
                row(CUSTOMER, DELETE, CLUSTER, forbidden())));
    }

    static Stream<Row> hostedControlPlanes() {
        // the customer holds nothing in a control-plane namespace, nor does the sidecar
        return concat(byEveryone(LABEL, CONTROL_PLANE,
                caller -> caller == CUSTOMER || caller == SIDECAR ? forbidden() : passes()),
                Stream.of(
                row(HYPERSHIFT, CREATE, CONTROL_PLANE, passes()),
                row(HYPERSHIFT, APPLY, CONTROL_PLANE, passes()),
                row(SRE, CREATE, CONTROL_PLANE, refused("hcp-release-writer", "spec.releaseImage set to " + tag("4.18.6"))),
                row(ADMIN, CREATE.dryRun(), CONTROL_PLANE, refused("hcp-release-writer",
                        "spec.releaseImage set to " + tag("4.18.6"))),
                row(ADMIN, CREATE_BY_GENERATE_NAME, CONTROL_PLANE, refused("hcp-release-writer", "spec.releaseImage set to "
                        + tag("4.18.6"))),
                row(ADMIN, CREATE, SPECLESS_CONTROL_PLANE, passes()),
                row(SRE, ADD_FINALIZER, CONTROL_PLANE, passes()),
                row(SRE, EDIT_SPEC, CONTROL_PLANE, passes()),
                row(ADMIN, REPLACE, CONTROL_PLANE, passes()),
                row(SRE, MOVE_RELEASE_IMAGE, CONTROL_PLANE, refused("hcp-release-writer", "spec.releaseImage changed from "
                        + tag("4.18.6") + " to " + tag("4.18.5"))),
                row(SRE, MOVE_RELEASE_IMAGE.dryRun(), CONTROL_PLANE, refused("hcp-release-writer",
                        "spec.releaseImage changed from")),
                row(ADMIN, SET_CONTROL_PLANE_RELEASE_IMAGE, CONTROL_PLANE, refused("hcp-release-writer",
                        "spec.controlPlaneReleaseImage set to " + tag("4.18.6"))),
                row(HYPERSHIFT, MOVE_RELEASE_IMAGE, CONTROL_PLANE, passes()),
                row(ADMIN, WRITE_STATUS, CONTROL_PLANE, passes()),
                row(SRE, WRITE_STATUS, CONTROL_PLANE, forbidden()),
                row(SRE, LABEL, SPECLESS_CONTROL_PLANE, passes()),
                row(ADMIN, SET_SPEC, SPECLESS_CONTROL_PLANE, refused("hcp-release-writer", "spec.releaseImage set to")),
                row(SRE, DELETE, CONTROL_PLANE, passes()),
                // the image annotations HyperShift copies from the HostedCluster
                row(SRE, ANNOTATE, CONTROL_PLANE, passes()),
                row(SRE, SET_AGENT_IMAGE, CONTROL_PLANE, refused("hcp-image-annotation-writer",
                        "annotation " + AGENT_IMAGE + " set to " + IMAGE)),
                row(SRE, SET_AGENT_IMAGE.dryRun(), CONTROL_PLANE, refused("hcp-image-annotation-writer",
                        "annotation " + AGENT_IMAGE + " set to " + IMAGE)),
                row(ADMIN, SET_EMPTY_AGENT_IMAGE, CONTROL_PLANE, refused("hcp-image-annotation-writer",
                        "annotation " + AGENT_IMAGE + " set to .")),
                row(HYPERSHIFT, SET_AGENT_IMAGE, CONTROL_PLANE, passes()),
                row(HYPERSHIFT, CREATE, IMAGED_CONTROL_PLANE, passes()),
                row(SRE, LABEL, IMAGED_CONTROL_PLANE, passes()),
                row(ADMIN, REPLACE, IMAGED_CONTROL_PLANE, passes()),
                row(SRE, REMOVE_AGENT_IMAGE, IMAGED_CONTROL_PLANE, refused("hcp-image-annotation-writer",
                        "annotation " + AGENT_IMAGE + " removed (was " + IMAGE + ")")),
                row(SRE, REMOVE_ANNOTATIONS, IMAGED_CONTROL_PLANE, refused("hcp-image-annotation-writer",
                        "annotation " + AGENT_IMAGE + " removed (was " + IMAGE + ")")),
                row(HYPERSHIFT, REMOVE_ANNOTATIONS, IMAGED_CONTROL_PLANE, passes()),
                row(ADMIN, CREATE, IMAGED_SPECLESS_CONTROL_PLANE, refused("hcp-image-annotation-writer",
                        "annotation " + AGENT_IMAGE + " set to " + IMAGE)),
                row(SRE, SET_AGENT_IMAGE, SPECLESS_CONTROL_PLANE, refused("hcp-image-annotation-writer",
                        "annotation " + AGENT_IMAGE + " set to " + IMAGE))));
    }

    static Stream<Row> snapshots() {
        String statusWriter = "only " + SIDECAR.username() + " may write the status of a ControlPlaneSnapshot";
        String immutable = "spec is immutable: it records which cluster the snapshot holds";
        return concat(byEveryone(LABEL, VERIFIED_SNAPSHOT, caller -> caller == SIDECAR ? passes() : admitted("snapshot-write")),
                Stream.of(
                // CREATE is not registered: customers ask for snapshots
                row(CUSTOMER, CREATE, REQUESTED_SNAPSHOT, passes()),
                row(CUSTOMER, CREATE_BY_GENERATE_NAME, REQUESTED_SNAPSHOT, passes()),
                row(VELERO, CREATE, VERIFIED_SNAPSHOT, passes()),
                row(CUSTOMER, CREATE, specless(Kind.SNAPSHOT), invalid("spec: Required value")),
                // UPDATE and DELETE by anyone but the sidecar are judged, metadata-only edits included
                row(CUSTOMER, LABEL.dryRun(), VERIFIED_SNAPSHOT, admitted("snapshot-write")),
                row(CUSTOMER, APPLY_LABEL, VERIFIED_SNAPSHOT, admitted("snapshot-write")),
                row(CUSTOMER, ADD_FINALIZER, VERIFIED_SNAPSHOT, admitted("snapshot-write")),
                row(CUSTOMER, REPLACE, VERIFIED_SNAPSHOT, admitted("snapshot-write")),
                row(CUSTOMER, WRITE_STATUS, VERIFIED_SNAPSHOT, refused("snapshot-status-writer", statusWriter)),
                row(SRE, WRITE_STATUS, VERIFIED_SNAPSHOT, refused("snapshot-status-writer", statusWriter)),
                row(ADMIN, WRITE_STATUS.dryRun(), VERIFIED_SNAPSHOT, refused("snapshot-status-writer", statusWriter)),
                row(VELERO, WRITE_STATUS, VERIFIED_SNAPSHOT, refused("snapshot-status-writer", statusWriter)),
                row(CUSTOMER, WRITE_STATUS, REQUESTED_SNAPSHOT, refused("snapshot-status-writer", statusWriter)),
                row(SIDECAR, WRITE_STATUS, VERIFIED_SNAPSHOT, passes()),
                // the CRD answers a spec change before the webhook is called, the sidecar's included
                row(CUSTOMER, EDIT_SPEC, VERIFIED_SNAPSHOT, invalid(immutable)),
                row(SIDECAR, EDIT_SPEC, VERIFIED_SNAPSHOT, invalid(immutable)),
                row(CUSTOMER, REMOVE_SPEC, VERIFIED_SNAPSHOT, invalid("spec: Required value")),
                row(SIDECAR, REMOVE_SPEC, VERIFIED_SNAPSHOT, invalid("spec: Required value")),
                row(CUSTOMER, DELETE, VERIFIED_SNAPSHOT, admitted("snapshot-write")),
                row(CUSTOMER, DELETE.dryRun(), VERIFIED_SNAPSHOT, admitted("snapshot-write")),
                row(CUSTOMER, DELETE, REQUESTED_SNAPSHOT, admitted("snapshot-write")),
                row(ADMIN, DELETE_COLLECTION, VERIFIED_SNAPSHOT, admitted("snapshot-write")),
                row(CUSTOMER, DELETE_COLLECTION, VERIFIED_SNAPSHOT, forbidden()),
                row(SIDECAR, DELETE, VERIFIED_SNAPSHOT, passes())));
    }

    static Stream<Row> rollbackRecords() {
        String unauthorised = "only hcp-rollback (from an admitted request) and requesters holding the verb rollback create "
                + "ControlPlaneRollback records, and RBAC does not grant customer-admin the verb rollback";
        String statusWriter = "only " + SIDECAR.username() + " may write the status of a ControlPlaneRollback";
        String immutable = "spec is immutable: it is what was admitted";
        return concat(byEveryone(LABEL, ROLLBACK_RECORD, caller -> passes()), Stream.of(
                row(SIDECAR, CREATE, ROLLBACK_RECORD, passes()),
                row(CUSTOMER, CREATE, ROLLBACK_RECORD, refused("rollback-record-unauthorised", unauthorised)),
                row(CUSTOMER, CREATE.dryRun(), ROLLBACK_RECORD, refused("rollback-record-unauthorised", unauthorised)),
                row(CUSTOMER, APPLY, ROLLBACK_RECORD, refused("rollback-record-unauthorised", unauthorised)),
                // records filed by the sidecar name no requester: whoever else creates one must name themselves
                row(SRE, CREATE_BY_GENERATE_NAME, ROLLBACK_RECORD, refused("rollback-record-requester",
                        "spec.requestedBy is empty")),
                row(VELERO, CREATE, ROLLBACK_RECORD, refused("rollback-record-requester", "spec.requestedBy is empty")),
                row(SIDECAR, CREATE, specless(Kind.ROLLBACK), invalid("spec: Required value")),
                row(CUSTOMER, CREATE, specless(Kind.ROLLBACK), invalid("spec: Required value")),
                // metadata-only edits are not judged; status writes and spec changes are
                row(CUSTOMER, LABEL.dryRun(), ROLLBACK_RECORD, passes()),
                row(CUSTOMER, APPLY_LABEL, ROLLBACK_RECORD, passes()),
                row(CUSTOMER, ANNOTATE, ROLLBACK_RECORD, passes()),
                row(CUSTOMER, ADD_FINALIZER, ROLLBACK_RECORD, passes()),
                row(CUSTOMER, REPLACE, ROLLBACK_RECORD, passes()),
                row(CUSTOMER, WRITE_STATUS, ROLLBACK_RECORD, refused("rollback-record-status-writer", statusWriter)),
                row(SRE, WRITE_STATUS, ROLLBACK_RECORD, refused("rollback-record-status-writer", statusWriter)),
                row(HYPERSHIFT, WRITE_STATUS, ROLLBACK_RECORD, refused("rollback-record-status-writer", statusWriter)),
                row(ADMIN, WRITE_STATUS.dryRun(), ROLLBACK_RECORD, refused("rollback-record-status-writer", statusWriter)),
                row(SIDECAR, WRITE_STATUS, ROLLBACK_RECORD, passes()),
                row(CUSTOMER, EDIT_SPEC, ROLLBACK_RECORD, invalid(immutable)),
                row(SIDECAR, EDIT_SPEC, ROLLBACK_RECORD, invalid(immutable)),
                row(CUSTOMER, REMOVE_SPEC, ROLLBACK_RECORD, invalid("spec: Required value")),
                row(SIDECAR, REMOVE_SPEC, ROLLBACK_RECORD, invalid("spec: Required value")),
                // DELETE is not registered
                row(CUSTOMER, DELETE, ROLLBACK_RECORD, passes()),
                row(CUSTOMER, DELETE.dryRun(), ROLLBACK_RECORD, passes())));
    }

    static Stream<Row> updateRecords() {
        String writer = "only " + SIDECAR.username() + " may ";
        String immutable = "spec is immutable: it records which update of which cluster this is";
        return concat(byEveryone(LABEL, UPDATE_RECORD, caller -> caller == SIDECAR ? passes()
                : refused("update-record-writer", writer + "write a ControlPlaneUpdate;")), Stream.of(
                row(SIDECAR, CREATE, UPDATE_RECORD, passes()),
                row(CUSTOMER, CREATE, UPDATE_RECORD, refused("update-record-writer", writer + "create a ControlPlaneUpdate;")),
                row(SRE, CREATE.dryRun(), UPDATE_RECORD, refused("update-record-writer",
                        writer + "create a ControlPlaneUpdate;")),
                row(VELERO, CREATE, UPDATE_RECORD, refused("update-record-writer", writer + "create a ControlPlaneUpdate;")),
                row(SIDECAR, CREATE, specless(Kind.UPDATE_RECORD), invalid("spec: Required value")),
                // every UPDATE by anyone but the sidecar is judged, metadata-only ones included
                row(ADMIN, LABEL.dryRun(), UPDATE_RECORD, refused("update-record-writer",
                        writer + "write a ControlPlaneUpdate;")),
                row(ADMIN, APPLY_LABEL, UPDATE_RECORD, refused("update-record-writer", writer + "write a ControlPlaneUpdate;")),
                row(CUSTOMER, WRITE_STATUS, UPDATE_RECORD, refused("update-record-writer",
                        writer + "write a ControlPlaneUpdate's status;")),
                row(SRE, WRITE_STATUS.dryRun(), UPDATE_RECORD, refused("update-record-writer",
                        writer + "write a ControlPlaneUpdate's status;")),
                row(SIDECAR, WRITE_STATUS, UPDATE_RECORD, passes()),
                row(CUSTOMER, EDIT_SPEC, UPDATE_RECORD, invalid(immutable)),
                row(SIDECAR, EDIT_SPEC, UPDATE_RECORD, invalid(immutable)),
                row(CUSTOMER, REMOVE_SPEC, UPDATE_RECORD, invalid("spec: Required value")),
                row(SIDECAR, REMOVE_SPEC, UPDATE_RECORD, invalid("spec: Required value")),
                // DELETE is left to RBAC
                row(CUSTOMER, DELETE, UPDATE_RECORD, passes()),
                row(SRE, DELETE, UPDATE_RECORD, passes())));
    }

    static Stream<Row> rows() {
        return Stream.of(hostedClusters(), hostedControlPlanes(), snapshots(), rollbackRecords(), updateRecords())
                .flatMap(rows -> rows);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theApiServerCallsTheWebhookExactlyWhenItShould(Row row) {
        Shape shape = row.shape();
        ObjectNode object = shape.object();
        if (!row.call().creates()) {
            object = RealObjects.put(cluster.server(), shape.creator(), shape.statusWriter(), object);
        } else {
            object.remove("status");
        }
        ApiRequest request = row.call().request().apply(shape.kind(), object);
        admission.check(row.toString(), row.caller(), request, shape.kind(), row.call().creates() ? 201 : 200,
                row.expected());
    }

    /**
     * Why the HostedCluster webhook leaves the status subresource out: a status write cannot carry a rollback
     * request. The API server keeps nothing but the status of such a write.
     */
    @Test
    void aStatusWriteCannotCarryARollbackRequest() {
        ObjectNode stored = RealObjects.put(cluster.server(), ADMIN, HYPERSHIFT, CLUSTER.object());
        ObjectNode smuggled = json("{\"metadata\":{\"annotations\":{\"" + RollbackRequest.TO_VERSION + "\":\"4.18.5\"}},"
                + "\"status\":{\"ignitionEndpoint\":\"ignition.example.com\"}}");
        ApiRequest.Answer answer = admission.check("a status write carrying a rollback request", HYPERSHIFT,
                ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.status(NAMESPACE, name(stored)), smuggled), Kind.HOSTED_CLUSTER, 200,
                passes());
        assertEquals("ignition.example.com", answer.body().at("/status/ignitionEndpoint").asText());
        assertFalse(answer.body().at("/metadata/annotations").has(RollbackRequest.TO_VERSION), answer.body().toString());
    }

    // --- small JSON helpers ---

    private static ObjectNode json(String text) {
        return RealObjects.parse(text);
    }

    private static ObjectNode wrap(String field, JsonNode value) {
        return RealObjects.wrap(field, value);
    }

    private static ObjectNode withSpec(ObjectNode object, JsonNode spec) {
        object.set("spec", spec.deepCopy());
        return object;
    }

    private static ObjectNode withAnnotation(ObjectNode object, String key, String value) {
        ((ObjectNode) object.get("metadata")).with("annotations").put(key, value);
        return object;
    }

    private static ObjectNode withStatus(ObjectNode object, String field, String value) {
        object.putObject("status").put(field, value);
        return object;
    }

    private static String namespace(JsonNode object) {
        return object.at("/metadata/namespace").asText();
    }

    private static String name(JsonNode object) {
        return object.at("/metadata/name").asText();
    }
}
