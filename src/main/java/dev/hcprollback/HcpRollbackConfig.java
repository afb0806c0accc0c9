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

    Snapshot snapshot();

    Storage storage();

    Tls tls();

    Benchmark benchmark();

    interface Benchmark {
        /** Serves {@code /validate/baseline}, a constant AdmissionReview, to measure the HTTPS stack alone. */
        @WithDefault("false")
        boolean baselineEndpoint();
    }

    /** The webhook's serving certificate; {@code quarkus.tls.webhook.key-store.pem.0.*} point here and reload it. */
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


        LeaderElection leaderElection();
    }

    /** JOSDK leader election; active in the prod profile (quarkus.operator-sdk.activate-leader-election-for-profiles). */
    interface LeaderElection {
        /** Off: every replica runs the controllers (only for a single replica). */
        @WithDefault("true")
        boolean enabled();

        /** The Lease, in the sidecar's own namespace, that the replicas compete for. */
        @WithDefault("hcp-rollback-leader")
        String leaseName();

        /** The sidecar's namespace (the Deployment sets POD_NAMESPACE from the downward API). */
        @WithDefault("${POD_NAMESPACE:hcp-rollback}")
        String leaseNamespace();

        /**
         * This replica's name in the Lease ({@code spec.holderIdentity}); default: the host name (a pod's
         * name) and a random suffix, so that two processes on one machine differ.
         */
        Optional<String> identity();

        /** How long a Lease holds without renewal before a standby may take it (JOSDK's default). */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it gives the Lease up and exits. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often a standby tries to take the Lease, and the leader to renew it. */
        @WithDefault("2s")
        Duration retryPeriod();
    }

    interface Authorization {
        /** Users allowed to request rollbacks besides those RBAC grants the {@code rollback} verb. */
        Optional<List<String>> allowedUsers();

        /** Groups allowed to request rollbacks besides those RBAC grants the {@code rollback} verb. */
        Optional<List<String>> allowedGroups();

        /** How long the SubjectAccessReview may take; below the webhook's 5s timeout, so a slow API server still gets an answer. */
        @WithDefault("3s")
        Duration reviewTimeout();
    }

    interface UpgradeGate {
        /** {@code off}, {@code warn} or {@code enforce}. */
        @WithDefault("warn")
        UpgradeGateMode mode();

        /** How old the verified snapshot of the current payload may be when an upgrade starts. */
        @WithDefault("12h")
        Duration maxSnapshotAge();
    }

    /** Taking etcd snapshots of hosted control planes. */
    interface Snapshot {
        /** Keep a verified Scheduled snapshot of each Available, Completed cluster no older than this. */
        @WithDefault("6h")
        Duration interval();

        /** Verified snapshots kept per payload per cluster (rollback points and snapshots in use are kept anyway). */
        @WithDefault("3")
        int retentionCount();

        /** Snapshots streaming at the same time across the management cluster. */
        @WithDefault("2")
        int maxConcurrent();

        /** Whether the controller creates Scheduled snapshots at all. */
        @WithDefault("true")
        boolean scheduleEnabled();

        /** First wait after a failed attempt; doubles on each further failure up to {@link #maxBackoff()}. */
        @WithDefault("30s")
        Duration backoff();

        @WithDefault("30m")
        Duration maxBackoff();

        /** Attempts before a snapshot stays Failed for good (a Scheduled one is then replaced later). */
        @WithDefault("5")
        int maxAttempts();

        Etcd etcd();

        NetworkPolicy networkPolicy();
    }

    interface Etcd {
        /**
         * Overrides {@code https://etcd-client.<control-plane-namespace>.svc:2379}; {@code {namespace}} in the
         * value is replaced by the control-plane namespace.
         */
        Optional<String> endpoint();

        /** Overrides the TLS server name checked against etcd's certificate (default: the endpoint's host). */
        Optional<String> authority();

        @WithDefault("10s")
        Duration connectTimeout();

        /** Limit for the revision lookup before the snapshot. */
        @WithDefault("15s")
        Duration requestTimeout();

        /** Limit for streaming one whole snapshot into storage. */
        @WithDefault("30m")
        Duration snapshotTimeout();
    }

    interface NetworkPolicy {
        /** Manage an additive NetworkPolicy admitting this sidecar to etcd while a snapshot runs. */
        @WithDefault("true")
        boolean enabled();

        /** Namespace of the sidecar's pods (the policy admits them from there). */
        @WithDefault("hcp-rollback")
        String podNamespace();

        /** Labels of the sidecar's pods, {@code key=value} pairs. */
        @WithDefault("app.kubernetes.io/name=hcp-rollback")
        List<String> podLabels();
    }

    /** Where snapshots are stored. */
    interface Storage {
        /** {@code s3} or {@code azure}. */
        @WithDefault("s3")
        StorageBackend backend();

        /** First path element of every key; empty for none. */
        @WithDefault("hcp-rollback")
        String prefix();

        /** Size of one multi-part upload part or block: the memory one upload needs. */
        @WithDefault("8388608")
        int partSizeBytes();

        /** Lifetime of read URLs handed to restore pods. */
        @WithDefault("1h")
        Duration readUrlTtl();

        S3 s3();

        Azure azure();
    }

    interface S3 {
        Optional<String> bucket();

        /** Server-side encryption with this KMS key (SSE-KMS) when set. */
        Optional<String> sseKmsKeyId();
    }

    interface Azure {
        /** {@code https://<account>.blob.core.windows.net}, or an Azurite URL in tests. */
        Optional<String> endpoint();

        @WithDefault("hcp-rollback")
        String container();

        /** Storage account name (shared-key credential; also the SAS signer). */
        Optional<String> accountName();

        /** Storage account key, usually from a Secret through an environment variable. */
        Optional<String> accountKey();

        /** A full connection string instead of endpoint, account name and key. */
        Optional<String> connectionString();
    }

    enum StorageBackend {
        s3,
        azure
    }

    enum UpgradeGateMode {
        off,
        warn,
        enforce
    }
}
