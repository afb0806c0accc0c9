package dev.hcprollback.testing;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * Stands in for the API server's RBAC authorizer, which the mock API server does not have: it
 * answers SubjectAccessReviews as if the platform had bound the {@code hcp-rollback-requester}
 * ClusterRole (verb {@code rollback} on {@code hostedclusters}) to the group {@link #SRE_GROUP}.
 * Everything else the mock serves from its in-memory store.
 */
public class RbacSimulator implements Consumer<KubernetesServer> {

    public static final String SRE_GROUP = "managed-service-sres";
    public static final String SRE = "sre-alice";
    /** Has the verb through an allow-list in the test configuration, not through RBAC. */
    public static final String ALLOW_LISTED_SRE = "sre-bob";
    public static final String CUSTOMER = "customer-admin";
    public static final String SIDECAR = "system:serviceaccount:hcp-rollback:hcp-rollback";

    private static final Set<String> GRANTED = Set.of("rollback");

    @Override
    public void accept(KubernetesServer server) {
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
                .andReply(201, request -> answer(Serialization.unmarshal(request.getBody().readUtf8(),
                        SubjectAccessReview.class)))
                .always();
    }

    private static SubjectAccessReview answer(SubjectAccessReview review) {
        ResourceAttributes asked = review.getSpec().getResourceAttributes();
        List<String> groups = review.getSpec().getGroups() == null ? List.of() : review.getSpec().getGroups();
        boolean allowed = asked != null && GRANTED.contains(asked.getVerb())
                && "hypershift.openshift.io".equals(asked.getGroup()) && "hostedclusters".equals(asked.getResource())
                && groups.contains(SRE_GROUP);
        review.setStatus(new SubjectAccessReviewStatusBuilder().withAllowed(allowed)
                .withReason(allowed ? "RBAC: allowed by ClusterRoleBinding hcp-rollback-requesters" : "").build());
        return review;
    }
}
