package dev.hcprollback.webhook.authz;

import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Ticker;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.webhook.review.NeedsWorkerThread;
import dev.hcprollback.webhook.review.Requester;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;

/**
 * Who may roll a control plane back: the sidecar itself (its own service account, recognised by name before
 * anything is asked), whoever RBAC grants the custom verb {@code rollback} on {@code hostedclusters} in the
 * cluster's namespace (asked with a SubjectAccessReview, whose answer is reused for
 * {@code hcp-rollback.authorization.review-cache-ttl}: {@link AccessReviewCache}), then the configured
 * allow-listed users and groups. Nobody else.
 */
@ApplicationScoped
public class Authorizer {

    public static final String VERB = "rollback";
    public static final String RESOURCE = "hostedclusters";

    private static final Logger LOG = Logger.getLogger(Authorizer.class);

    /** Whether a requester may roll back, and on what grounds (written to the audit log). */
    public record Decision(boolean allowed, String grounds) {
    }

    @Inject
    KubernetesClient client;

    @Inject
    HcpRollbackConfig config;

    /** The shared client with a short timeout and no retries: the API server waits for this answer. */
    private KubernetesClient reviews;

    private AccessReviewCache answers;

    @PostConstruct
    void boundTheReviewTime() {
        int timeout = (int) config.authorization().reviewTimeout().toMillis();
        reviews = client.newClient(new RequestConfigBuilder().withRequestTimeout(timeout).withRequestRetryBackoffLimit(0)
                .build()).adapt(KubernetesClient.class);
        answers = new AccessReviewCache(config.authorization().reviewCacheTtl(), config.authorization().reviewCacheSize(),
                Ticker.systemTicker());
    }

    public Decision decide(Requester requester, String namespace, String clusterName) {
        // first: a review of our own writes would only add a round trip (and its timeout) to the sidecar's own work
        if (config.serviceAccount().equals(requester.username())) {
            return new Decision(true, "the hcp-rollback service account applies rollbacks");
        }
        String rbacNote;
        try {
            if (answers.allowed(AccessReviewCache.Key.of(requester, namespace, clusterName), this::rbacAllows)) {
                return new Decision(true, "RBAC grants " + VERB + " on " + RESOURCE + "." + HostedCluster.GROUP
                        + " in namespace " + namespace);
            }
            rbacNote = "RBAC does not grant " + requester.username() + " the verb " + VERB + " on " + RESOURCE + "."
                    + HostedCluster.GROUP + " in namespace " + namespace;
        } catch (KubernetesClientException unanswered) {
            LOG.warnf("SubjectAccessReview for %s failed: %s", requester.username(), unanswered.getMessage());
            rbacNote = "the RBAC check (SubjectAccessReview) could not be made: " + unanswered.getMessage();
        }
        List<String> users = config.authorization().allowedUsers().orElse(List.of());
        if (users.contains(requester.username())) {
            return new Decision(true, "user " + requester.username() + " is allow-listed");
        }
        List<String> groups = config.authorization().allowedGroups().orElse(List.of());
        for (String group : requester.groups()) {
            if (groups.contains(group)) {
                return new Decision(true, "group " + group + " is allow-listed");
            }
        }
        return new Decision(false, rbacNote + ", and the user is on no allow-list");
    }

    /** Asks the API server; on an event-loop thread, hands the request to a worker thread first. */
    private boolean rbacAllows(AccessReviewCache.Key asked) {
        NeedsWorkerThread.beforeBlocking("a SubjectAccessReview");
        SubjectAccessReview review = new SubjectAccessReviewBuilder()
                .withNewSpec()
                .withUser(asked.user())
                .withUid(asked.uid().isEmpty() ? null : asked.uid())
                .withGroups(asked.groups())
                .withExtra(asked.extra())
                .withNewResourceAttributes()
                .withGroup(HostedCluster.GROUP)
                .withResource(RESOURCE)
                .withVerb(VERB)
                .withNamespace(asked.namespace())
                .withName(asked.name())
                .endResourceAttributes()
                .endSpec()
                .build();
        SubjectAccessReview answer = reviews.authorization().v1().subjectAccessReview().create(review);
        return answer != null && answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
    }
}
