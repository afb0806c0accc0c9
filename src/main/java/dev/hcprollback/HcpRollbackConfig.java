package dev.hcprollback;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of hcp-rollback; {@code config/README.md} lists them with their defaults and meaning. */
@ConfigMapping(prefix = "hcp-rollback")
public interface HcpRollbackConfig {

    /** The sidecar's own identity as the API server names it in admission requests. */
    @WithDefault("system:serviceaccount:hcp-rollback:hcp-rollback")
    String serviceAccount();

    Rollback rollback();

    Authorization authorization();

    UpgradeGate upgradeGate();

    Tls tls();

    /** The webhook's serving certificate; {@code quarkus.tls.key-store.pem.0.*} point here and reload it. */
    interface Tls {
        @WithDefault("/etc/hcp-rollback/tls/tls.crt")
        String certFile();

        @WithDefault("/etc/hcp-rollback/tls/tls.key")
        String keyFile();
    }

    interface Rollback {
        /** How long after an update started it may still be rolled back. */
        @WithDefault("24h")
        Duration window();

        /** How long Verify waits for the control plane to report the target payload Completed and Available. */
        @WithDefault("60m")
        Duration verifyTimeout();

        /** How long Pause waits for the HostedCluster to report {@code ReconciliationActive=False}. */
        @WithDefault("10m")
        Duration pauseTimeout();

        /** How long Quiesce waits for the pods of the writers and of etcd to go. */
        @WithDefault("15m")
        Duration quiesceTimeout();

        /** How long Restore waits for every member's restore Job. */
        @WithDefault("30m")
        Duration restoreTimeout();

        /** How long Start etcd waits for quorum ({@code EtcdAvailable=True} and every member ready). */
        @WithDefault("15m")
        Duration etcdQuorumTimeout();

        /** First delay between two looks at something the rollback waits for; doubles up to {@link #maxPollInterval()}. */
        @WithDefault("5s")
        Duration pollInterval();

        @WithDefault("60s")
        Duration maxPollInterval();

        /** Lifetime of the pre-signed URL a restore Job downloads the snapshot through. */
        @WithDefault("30m")
        Duration restoreUrlTtl();

        /** Added to the snapshot's revision on restore ({@code --bump-revision}), so watch caches relist. */
        @WithDefault("1000000000")
        long bumpRevision();

        /** Timeout of the keys-only etcd reads of the plan (data-loss window). */
        @WithDefault("30s")
        Duration etcdReadTimeout();

        LeaderElection leaderElection();
    }

    /** JOSDK leader election; active in the prod profile (quarkus.operator-sdk.activate-leader-election-for-profiles). */
    interface LeaderElection {
        /** The Lease, in the sidecar's own namespace, that the replicas compete for. */
        @WithDefault("hcp-rollback-leader")
        String leaseName();

        /** The sidecar's namespace (the Deployment sets POD_NAMESPACE from the downward API). */
        @WithDefault("${POD_NAMESPACE:hcp-rollback}")
        String leaseNamespace();
    }

    interface Authorization {
        /** Users allowed to request rollbacks besides those RBAC grants the {@code rollback} verb. */
        Optional<List<String>> allowedUsers();

        /** Groups allowed to request rollbacks besides those RBAC grants the {@code rollback} verb. */
        Optional<List<String>> allowedGroups();
    }

    interface UpgradeGate {
        /** {@code off}, {@code warn} or {@code enforce}. */
        @WithDefault("warn")
        UpgradeGateMode mode();

        /** How old the verified snapshot of the current payload may be when an upgrade starts. */
        @WithDefault("12h")
        Duration maxSnapshotAge();
    }

    enum UpgradeGateMode {
        off,
        warn,
        enforce
    }
}
