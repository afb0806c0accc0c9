package dev.hcprollback.testing;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * Stands in for the API server's RBAC authorizer, which the mock API server does not have: it
 * answers SubjectAccessReviews as if the platform had bound the {@code hcp-rollback-requester}
 * ClusterRole (verb {@code rollback} on {@code hostedclusters}) to the group {@link #SRE_GROUP}, and
 * fails with HTTP 500 for requesters in {@link #OUTAGE_GROUP}, as an authorizer in trouble would. It
 * also tells the sidecar it may use its leader-election Lease (SelfSubjectRulesReview).
 * Everything else the mock serves from its in-memory store.
 */
public class RbacSimulator implements Consumer<KubernetesServer> {

    public static final String SRE_GROUP = "managed-service-sres";
    public static final String SRE = "sre-alice";
    /** Has the verb through an allow-list in the test configuration, not through RBAC. */
    public static final String ALLOW_LISTED_SRE = "sre-bob";
    public static final String CUSTOMER = "customer-admin";
    public static final String SIDECAR = "system:serviceaccount:hcp-rollback:hcp-rollback";
    /** A requester in this group finds the authorizer failing. */
    public static final String OUTAGE_GROUP = "simulate-authorizer-outage";

    private static final Set<String> GRANTED = Set.of("rollback");

    @Override
    public void accept(KubernetesServer server) {
        install(server.getKubernetesMockServer());
    }

    /** Answers the reviews on a mock server built without the Quarkus test wrapper. */
    public void install(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server) {
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
                .andReply(new Authorizer())
                .always();
        // leader election asks what the sidecar itself may do with its Lease before it campaigns
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReply(201, request -> new SelfSubjectRulesReviewBuilder().withNewSpec().withNamespace("hcp-rollback").endSpec()
                        .withNewStatus().withIncomplete(false)
                        .addNewResourceRule().withApiGroups("coordination.k8s.io").withResources("leases")
                        .withVerbs("get", "create", "update", "patch").endResourceRule()
                        .endStatus().build())
                .always();
    }

    private static final class Authorizer implements ResponseProvider<Object> {
        private Headers headers = Headers.builder().build();
        /** A request body can be read once; status and body are asked for separately. */
        private final java.util.Map<RecordedRequest, SubjectAccessReview> read =
                java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

        @Override
        public int getStatusCode(RecordedRequest request) {
            return groups(review(request)).contains(OUTAGE_GROUP) ? 500 : 201;
        }

        @Override
        public Object getBody(RecordedRequest request) {
            SubjectAccessReview review = review(request);
            if (groups(review).contains(OUTAGE_GROUP)) {
                return new StatusBuilder().withStatus("Failure").withCode(500).withReason("InternalError")
                        .withMessage("authorizer unavailable").build();
            }
            ResourceAttributes asked = review.getSpec().getResourceAttributes();
            boolean allowed = asked != null && GRANTED.contains(asked.getVerb())
                    && "hypershift.openshift.io".equals(asked.getGroup()) && "hostedclusters".equals(asked.getResource())
                    && groups(review).contains(SRE_GROUP);
            review.setStatus(new SubjectAccessReviewStatusBuilder().withAllowed(allowed)
                    .withReason(allowed ? "RBAC: allowed by ClusterRoleBinding hcp-rollback-requesters" : "").build());
            return review;
        }

        @Override
        public Headers getHeaders() {
            return headers;
        }

        @Override
        public void setHeaders(Headers headers) {
            this.headers = headers;
        }

        private SubjectAccessReview review(RecordedRequest request) {
            return read.computeIfAbsent(request,
                    r -> Serialization.unmarshal(r.getUtf8Body(), SubjectAccessReview.class));
        }

        private static List<String> groups(SubjectAccessReview review) {
            return review.getSpec().getGroups() == null ? List.of() : review.getSpec().getGroups();
        }
    }
}
