package dev.hcprollback.webhook;

import java.io.InputStream;
import java.time.Duration;

import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.HostedControlPlane;
import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.review.AdmissionReviewReader.ResourceKind;
import dev.hcprollback.webhook.review.AdmissionReviewReader;
import dev.hcprollback.webhook.review.MalformedAdmissionReview;
import dev.hcprollback.webhook.review.NeedsWorkerThread;
import dev.hcprollback.webhook.rules.ControlPlaneRollbackGuard;
import dev.hcprollback.webhook.rules.HostedClusterGate;
import dev.hcprollback.webhook.rules.HostedControlPlaneGuard;
import dev.hcprollback.webhook.rules.Rule;
import dev.hcprollback.webhook.rules.SnapshotGuard;
import dev.hcprollback.webhook.rules.UpdateRecordGuard;
import dev.hcprollback.webhook.rules.Verdict;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The validating webhooks, {@code admission.k8s.io/v1} over HTTPS. A readable request always gets
 * an AdmissionReview back with its uid, the decision, warnings and audit annotations; an unreadable
 * one gets HTTP 400 with a Kubernetes Status that says what is wrong.
 */
@Path("/validate")
@Produces(MediaType.APPLICATION_JSON)
public class AdmissionResource {

    public static final ResourceKind HOSTED_CLUSTER = new ResourceKind(HostedCluster.GROUP, "v1beta1", "HostedCluster");
    static final ResourceKind CONTROL_PLANE_SNAPSHOT = new ResourceKind(ControlPlaneSnapshot.GROUP, "v1alpha1",
            "ControlPlaneSnapshot");
    static final ResourceKind HOSTED_CONTROL_PLANE = new ResourceKind(HostedCluster.GROUP, "v1beta1", "HostedControlPlane");
    static final ResourceKind CONTROL_PLANE_ROLLBACK = new ResourceKind(ControlPlaneSnapshot.GROUP, "v1alpha1",
            "ControlPlaneRollback");
    static final ResourceKind CONTROL_PLANE_UPDATE = new ResourceKind(ControlPlaneSnapshot.GROUP, "v1alpha1",
            "ControlPlaneUpdate");

    private static final Logger LOG = Logger.getLogger(AdmissionResource.class);

    @Inject
    AdmissionReviewReader reader;

    @Inject
    HostedClusterGate gate;

    @Inject
    SnapshotGuard guard;

    @Inject
    HostedControlPlaneGuard hostedControlPlaneGuard;

    @Inject
    ControlPlaneRollbackGuard rollbackGuard;

    @Inject
    UpdateRecordGuard updateRecordGuard;

    @Inject
    AdmissionMetrics metrics;

    @Inject
    RefusalLog refusals;

    /**
     * Judged on the event loop: the rules decide almost every HostedCluster update from memory (the review and
     * the informer caches). A request that needs a blocking call (a SubjectAccessReview, a registry lookup)
     * is judged again on a worker thread, keeping the event loop free ({@link NeedsWorkerThread}). The body is
     * parsed from the stream the HTTP layer buffered it in (up to {@code quarkus.rest.input-buffer-size}; a larger one
     * is read on a worker thread), not copied into a {@code byte[]} first.
     */
    @POST
    @Path("/hostedclusters")
    @NonBlocking
    public Uni<Response> hostedClusters(InputStream body) {
        InputStream review = AdmissionReviewReader.replayable(body);
        try {
            return Uni.createFrom().item(judgeHostedCluster(review));
        } catch (NeedsWorkerThread blocking) {
            return Uni.createFrom().item(() -> judgeHostedCluster(AdmissionReviewReader.rewound(review)))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
    }

    private Response judgeHostedCluster(InputStream body) {
        long started = System.nanoTime();
        AdmissionReviewReader.Bound<HostedCluster> review;
        try {
            review = reader.readBound(body, HOSTED_CLUSTER, HostedCluster.class);
        } catch (MalformedAdmissionReview malformed) {
            return badRequest("hostedclusters", malformed);
        }
        AdmissionCall call = review.call();
        Verdict verdict = review.after() == null
                ? Verdict.allow(Rule.NOT_AN_UPDATE, call.operation() + " changes no payload")
                : metrics.judged("hostedclusters", () -> gate.judge(call, review.before(), review.after()));
        return answer("hostedclusters", call, verdict, started);
    }

    @POST
    @Path("/controlplanesnapshots")
    public Response controlPlaneSnapshots(byte[] body) {
        long started = System.nanoTime();
        AdmissionCall call;
        ControlPlaneSnapshot before;
        try {
            call = reader.read(body, CONTROL_PLANE_SNAPSHOT);
            before = call.oldObject() == null ? null
                    : reader.convert(call.oldObject(), ControlPlaneSnapshot.class, "request.oldObject");
        } catch (MalformedAdmissionReview malformed) {
            return badRequest("controlplanesnapshots", malformed);
        }
        Verdict verdict = before == null
                ? Verdict.allow(Rule.SNAPSHOT_WRITE, call.operation() + " " + call.name())
                : metrics.judged("controlplanesnapshots", () -> guard.judge(call, before));
        return answer("controlplanesnapshots", call, verdict, started);
    }

    @POST
    @Path("/hostedcontrolplanes")
    public Response hostedControlPlanes(byte[] body) {
        return review("hostedcontrolplanes", body, HOSTED_CONTROL_PLANE, HostedControlPlane.class,
                hostedControlPlaneGuard::judge);
    }

    @POST
    @Path("/controlplanerollbacks")
    public Response controlPlaneRollbacks(byte[] body) {
        return review("controlplanerollbacks", body, CONTROL_PLANE_ROLLBACK, ControlPlaneRollback.class, rollbackGuard::judge);
    }

    @POST
    @Path("/controlplaneupdates")
    public Response controlPlaneUpdates(byte[] body) {
        return review("controlplaneupdates", body, CONTROL_PLANE_UPDATE, ControlPlaneUpdate.class, updateRecordGuard::judge);
    }

    /**
     * The OLM bundle's carrier webhook ({@code olm-bundle/README.md}): OLM issues the serving certificate for it,
     * and its rules match no request the API server makes. Should one reach it all the same, it is admitted with
     * its uid, not answered 404.
     */
    @POST
    @Path("/olm-certificate")
    public Response olmCertificate(byte[] body) {
        String uid;
        try {
            uid = CARRIER_JSON.readTree(body).path("request").path("uid").asText("");
        } catch (java.io.IOException unreadable) {
            uid = "";
        }
        if (uid.isEmpty()) {
            return Response.status(Response.Status.BAD_REQUEST).entity("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                    + "\"status\":\"Failure\",\"message\":\"not an AdmissionReview with request.uid\",\"code\":400}").build();
        }
        return Response.ok(CARRIER_JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview")
                .set("response", CARRIER_JSON.createObjectNode().put("uid", uid).put("allowed", true)).toString()).build();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper CARRIER_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** A guard of one kind: {@code before} is null on CREATE, {@code after} on DELETE. */
    private interface Guard<T> {
        Verdict judge(AdmissionCall call, T before, T after);
    }

    /** Reads the review and both objects as {@code type}, has the guard judge them and answers. */
    private <T> Response review(String resource, byte[] body, ResourceKind kind, Class<T> type, Guard<T> guard) {
        long started = System.nanoTime();
        AdmissionReviewReader.Bound<T> review;
        try {
            review = reader.read(body, kind, type);
        } catch (MalformedAdmissionReview malformed) {
            return badRequest(resource, malformed);
        }
        return answer(resource, review.call(),
                metrics.judged(resource, () -> guard.judge(review.call(), review.before(), review.after())), started);
    }

    private Response answer(String resource, AdmissionCall call, Verdict verdict, long startedNanos) {
        metrics.record(resource, call.operation(), verdict, Duration.ofNanos(System.nanoTime() - startedNanos));
        if (!verdict.allowed()) {
            refusals.refused(call, verdict);
        }
        return Response.ok(AdmissionAnswer.json(call.uid(), verdict), MediaType.APPLICATION_JSON_TYPE).build();
    }

    private Response badRequest(String resource, MalformedAdmissionReview malformed) {
        metrics.recordMalformed(resource);
        LOG.warnf("unreadable AdmissionReview on /validate/%s: %s", resource, malformed.getMessage());
        Status status = new StatusBuilder().withStatus("Failure").withCode(400).withReason("BadRequest")
                .withMessage(malformed.getMessage()).build();
        return Response.status(Response.Status.BAD_REQUEST).entity(status).build();
    }
}
