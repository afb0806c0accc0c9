package dev.hcprollback.webhook.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.webhook.review.Requester;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Whom the Authorizer asks the API server about. The sidecar's own writes (rollback records, the revert patch)
 * are judged by name: a SubjectAccessReview for them would add a round trip, and under load its timeout, to
 * the sidecar's own work.
 */
class AuthorizerTest {

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Authorizer authorizer;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        new RbacSimulator().install(server);
        client = server.createClient();
        authorizer = new Authorizer();
        authorizer.client = client;
        authorizer.config = new SmallRyeConfigBuilder().addDefaultInterceptors().withMapping(HcpRollbackConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of("quarkus.application.version", "test"), "test", 500))
                .build().getConfigMapping(HcpRollbackConfig.class);
        authorizer.boundTheReviewTime();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void theSidecarsOwnServiceAccountIsAllowedWithoutAskingTheApiServer() {
        Authorizer.Decision decision = authorizer.decide(
                new Requester(RbacSimulator.SIDECAR, "uid-sidecar", List.of("system:serviceaccounts"), Map.of()),
                "clusters", "payments");

        assertTrue(decision.allowed(), decision.grounds());
        assertEquals(0, server.getRequestCount(), "SubjectAccessReviews sent for the sidecar's own request");
    }

    @Test
    void anSreIsAskedAboutOnce() {
        Authorizer.Decision decision = authorizer.decide(
                new Requester(RbacSimulator.SRE, "uid-sre", List.of(RbacSimulator.SRE_GROUP), Map.of()), "clusters", "payments");

        assertTrue(decision.allowed(), decision.grounds());
        assertEquals(1, server.getRequestCount(), "one SubjectAccessReview for the SRE");
    }
}
