package dev.hcprollback.rollback;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;

import org.jboss.logging.Logger;

import dev.hcprollback.config.HcpRollbackConfig;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;

/**
 * JOSDK leader election: quarkus-operator-sdk picks up a {@link LeaderElectionConfiguration} bean and
 * activates it in the profiles of {@code quarkus.operator-sdk.activate-leader-election-for-profiles}
 * (prod). Only the holder of the Lease runs the controllers; every replica serves the webhook.
 * {@code hcp-rollback.rollback.leader-election.enabled=false} turns it off at run time (a single replica).
 *
 * <p>Stopping is ours, not JOSDK's. JOSDK 5.1 calls {@code System.exit} when it stops leading; on
 * SIGTERM that happens inside the shutdown hook (the operator's stop cancels the election), and the JVM
 * deadlocks on its own shutdown lock (java-operator-sdk issues 1614 and 2496, fixed upstream after the
 * release this Quarkus line ships). So JOSDK is told not to exit, and this class
 * <ul>
 * <li>exits (through Quarkus, off the election's thread) when the Lease is lost while running, so that
 * a replica without the Lease never keeps reconciling;</li>
 * <li>on shutdown, after the operator has stopped its controllers, hands the Lease back (empty holder)
 * so that a standby takes it at its next try instead of waiting out the lease duration (JOSDK builds
 * its elector without release-on-cancel).</li>
 * </ul>
 */
@ApplicationScoped
public class RollbackLeaderElection {

    private static final Logger LOG = Logger.getLogger(RollbackLeaderElection.class);

    private final HcpRollbackConfig.LeaderElection settings;
    private final KubernetesClient client;
    private final String identity;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean leading = new AtomicBoolean();
    /** Whether this replica led when shutdown began (the operator's stop then clears {@link #leading}). */
    private volatile boolean ledAtShutdown;

    RollbackLeaderElection(HcpRollbackConfig config, KubernetesClient client) {
        this.settings = config.rollback().leaderElection();
        this.client = client;
        this.identity = settings.identity().filter(name -> !name.isBlank()).orElseGet(RollbackLeaderElection::hostAndSuffix);
    }

    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection() {
        if (!settings.enabled()) {
            return null; // quarkus-operator-sdk then runs without leader election
        }
        return new LeaderElectionConfiguration(settings.leaseName(), settings.leaseNamespace(),
                settings.leaseDuration(), settings.renewDeadline(), settings.retryPeriod(), identity,
                new LeaderCallbacks(this::startedLeading, this::stoppedLeading, this::newLeader), false);
    }

    /** This replica's {@code spec.holderIdentity}. */
    public String identity() {
        return identity;
    }

    private void startedLeading() {
        leading.set(true);
        LOG.infof("leading: holds Lease %s/%s as %s; the controllers start", settings.leaseNamespace(),
                settings.leaseName(), identity);
    }

    private void stoppedLeading() {
        leading.set(false);
        if (stopping.get()) {
            return; // our own shutdown cancelled the election
        }
        LOG.errorf("lost Lease %s/%s: exiting, so that no controller runs without it", settings.leaseNamespace(),
                settings.leaseName());
        Quarkus.asyncExit(1);
    }

    private void newLeader(String holder) {
        if (holder != null && !identity.equals(holder)) {
            LOG.infof("standby: Lease %s/%s is held by %s", settings.leaseNamespace(), settings.leaseName(), holder);
        }
    }

    /** Before the operator stops (its observer has the default priority, 2500): losing the Lease now is expected. */
    void shuttingDown(@Observes @Priority(1000) ShutdownEvent event) {
        stopping.set(true);
        ledAtShutdown = leading.get();
    }

    /** After the operator has stopped its controllers: hands the Lease back if this replica holds it. */
    void releaseLease(@Observes @Priority(4000) ShutdownEvent event) {
        if (!ledAtShutdown) {
            return;
        }
        try {
            Lease lease = client.resources(Lease.class).inNamespace(settings.leaseNamespace())
                    .withName(settings.leaseName()).get();
            if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
                return;
            }
            // what client-go's ReleaseOnCancel writes: no holder, a one-second lease, renewed now
            lease.getSpec().setHolderIdentity(null);
            lease.getSpec().setLeaseDurationSeconds(1);
            lease.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
            client.resource(lease).update();
            LOG.infof("released Lease %s/%s: a standby takes over at its next try", settings.leaseNamespace(),
                    settings.leaseName());
        } catch (KubernetesClientException e) {
            LOG.warnf("could not release Lease %s/%s (%s): a standby takes over once it expires",
                    settings.leaseNamespace(), settings.leaseName(), e.getMessage());
        }
    }

    private static String hostAndSuffix() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "hcp-rollback");
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
