package dev.hcprollback;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts the informer caches and the controllers once the API server serves every kind they watch. Installed
 * before HyperShift (or before its own CRDs), the sidecar used to fail its start on the first informer's 404 and the
 * pod crash-looped; now it stays up and unready (this readiness check is down, saying what is missing), says once, as
 * a warning, which CRDs are missing and how to install them, looks again every
 * {@code hcp-rollback.prerequisites.crd-poll-interval}, and starts by itself when they are there.
 *
 * <p>The operator does not start with Quarkus ({@code quarkus.operator-sdk.start-operator=false}): this class starts
 * it, and stops it on shutdown between {@code RollbackLeaderElection}'s two observers (priorities 1000 and 4000), as
 * the extension's own listener did. A kind is served when a list of it (one item) answers; a 404 means its CRD is not
 * installed. Any other failure (403, the API server away) is said once as well and looked at again.
 */
@Readiness
@ApplicationScoped
public class CrdGate implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(CrdGate.class);

    /** Every kind the caches and controllers watch, HyperShift's first. */
    static final List<Class<? extends HasMetadata>> WATCHED = List.of(HostedCluster.class, NodePool.class,
            ControlPlaneSnapshot.class, ControlPlaneRollback.class, ControlPlaneUpdate.class);
    static final String HYPERSHIFT_GROUP = HasMetadata.getGroup(HostedCluster.class);

    @Inject
    KubernetesClient client;

    @Inject
    ClusterCaches caches;

    @Inject
    Operator operator;

    @Inject
    HcpRollbackConfig config;

    private static final String NOT_LOOKED = "not looked at yet";

    /** Why the sidecar waits, as last said; null once open. */
    private volatile String waitingFor = NOT_LOOKED;
    private volatile boolean operatorStarted;
    private ScheduledExecutorService looks;

    void onStart(@Observes StartupEvent started) {
        // the usual case opens here, before Quarkus listens, as the operator started before
        if (lookAndOpen()) {
            return;
        }
        long every = config.prerequisites().crdPollInterval().toMillis();
        looks = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "crd-gate");
            thread.setDaemon(true);
            return thread;
        });
        looks.scheduleWithFixedDelay(() -> {
            try {
                if (lookAndOpen()) {
                    looks.shutdown();
                }
            } catch (RuntimeException e) {
                // a failed start of the controllers: said, and tried again at the next look
                LOG.warnf("starting the controllers failed: %s; trying again in %s", e, config.prerequisites().crdPollInterval());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** Looks once; opens (caches, then the operator) when every watched kind is served. Whether it is open. */
    synchronized boolean lookAndOpen() {
        if (waitingFor == null) {
            return true;
        }
        String reason = missing(client, config.prerequisites().crdPollInterval());
        if (reason != null) {
            if (!reason.equals(waitingFor)) {
                LOG.warn(reason);
            }
            waitingFor = reason;
            return false;
        }
        boolean waited = !NOT_LOOKED.equals(waitingFor);
        caches.start();
        if (operator.getRegisteredControllersNumber() > 0) {
            operator.start();
            operatorStarted = true;
        }
        waitingFor = null;
        if (waited) {
            LOG.info("every CRD the sidecar watches is served now: the caches and the controllers started");
        }
        return true;
    }

    /**
     * What keeps the caches and controllers from starting, on one line: the CRDs not installed (by name, and how to
     * install them) or why they could not be looked at; null when every watched kind is served.
     */
    static String missing(KubernetesClient client, java.time.Duration lookEvery) {
        List<String> hyperShift = new ArrayList<>();
        List<String> own = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Class<? extends HasMetadata> kind : WATCHED) {
            String crd = HasMetadata.getPlural(kind) + "." + HasMetadata.getGroup(kind);
            try {
                client.resources(kind).inAnyNamespace().list(new ListOptionsBuilder().withLimit(1L).build());
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    (HYPERSHIFT_GROUP.equals(HasMetadata.getGroup(kind)) ? hyperShift : own).add(crd);
                } else {
                    failures.add(crd + " cannot be listed (" + (e.getCode() > 0 ? e.getCode() + " " : "")
                            + e.getMessage().lines().findFirst().orElse("") + ")");
                }
            }
        }
        if (hyperShift.isEmpty() && own.isEmpty() && failures.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        if (!hyperShift.isEmpty()) {
            parts.add("HyperShift's CRDs " + String.join(", ", hyperShift) + " are not installed: install HyperShift on "
                    + "this management cluster (hypershift install), whose operator applies them");
        }
        if (!own.isEmpty()) {
            parts.add("the sidecar's CRDs " + String.join(", ", own) + " are not installed: kubectl apply -f "
                    + "manifests/base/crds/ (the OLM bundle installs them)");
        }
        parts.addAll(failures);
        return "waiting for CRDs: " + String.join("; ", parts) + ". The webhooks and controllers start once they are "
                + "served (looked at again every " + (lookEvery.toMillis() % 1000 == 0 ? lookEvery.toSeconds() + " s"
                        : lookEvery.toMillis() + " ms") + "); not ready until then";
    }

    @Override
    public HealthCheckResponse call() {
        String reason = waitingFor;
        return HealthCheckResponse.named("crds").status(reason == null)
                .withData("crds", reason == null ? "served" : reason).build();
    }

    /** Before {@code RollbackLeaderElection} hands the Lease back (4000), after it noted the shutdown (1000). */
    void onStop(@Observes ShutdownEvent stopping) {
        if (looks != null) {
            looks.shutdownNow();
        }
        if (operatorStarted) {
            operator.stop();
        }
    }
}
