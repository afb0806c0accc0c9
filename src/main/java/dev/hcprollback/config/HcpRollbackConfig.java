package dev.hcprollback.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

/** Every setting of hcp-rollback; {@code config/README.md} lists them with their defaults and meaning. */
@ConfigMapping(prefix = "hcp-rollback")
public interface HcpRollbackConfig {

    /** The sidecar's own identity as the API server names it in admission requests. */
    @WithDefault("system:serviceaccount:hcp-rollback:hcp-rollback")
    String serviceAccount();

    Rollback rollback();

    Authorization authorization();

    Webhook webhook();

    UpgradeGate upgradeGate();

    Snapshot snapshot();

    Storage storage();

    Tls tls();

    Benchmark benchmark();

    Registry registry();

    HyperShift hypershift();

    Olm olm();

    Prerequisites prerequisites();

    /** What the sidecar waits for once running, instead of failing its start ({@code dev.hcprollback.CrdGate}). */
    interface Prerequisites {
        /** How often a sidecar that waits for CRDs (HyperShift's or its own) looks again whether they are served. */
        @WithDefault("10s")
        Duration crdPollInterval();
    }

    /** Reading a release payload's version from its image in the registry (the HostedCluster's pull secret). */
    interface Registry {
        /**
         * Whether digests of unknown version are looked up in their registry at all. Off, such a payload
         * stays of unknown version (and {@code upgrade-gate.unknown-payload} decides); the tests turn it
         * off so that no fixture's {@code quay.io} pull spec sends traffic off the machine.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * Repositories whose release images' labels are trusted, by prefix on path boundaries
         * ({@code quay.io/openshift-release-dev} covers {@code ocp-release} and {@code ocp-v4.0-art-dev}).
         * A label is only as honest as whoever can push to the repository: a payload elsewhere keeps an
         * unknown version unless the cluster's history or snapshots name its digest.
         */
        @WithDefault("quay.io/openshift-release-dev")
        List<String> trustedRepositories();

        /** Limit for the whole lookup (token, manifest, config blob): the API server waits for the webhook's answer. */
        @WithDefault("3s")
        Duration timeout();

        /** Release versions kept in memory, by digest (a digest's version never changes). */
        @WithDefault("1000")
        int cacheSize();

        /** A PEM file of extra CA certificates trusted besides the JVM's (a mirror registry's private CA). */
        Optional<String> caFile();
    }

    /** HyperShift itself, as admission requests name it. */
    interface HyperShift {
        /** The HyperShift operator's service account: it writes HostedControlPlane release images. */
        @WithDefault("system:serviceaccount:hypershift:operator")
        String operatorServiceAccount();
    }

    /**
     * Installed by OLM: the sidecar registers the plain install's ValidatingWebhookConfiguration
     * itself, with OLM's serving certificate ({@code dev.hcprollback.olm.WebhookRegistration}). The
     * CSV sets these; the plain install leaves them off.
     */
    interface Olm {
        /** Register the webhook configuration of {@link #webhookConfigurationFile()}. */
        @WithDefault("false")
        boolean registerWebhooks();

        /** The plain install's ValidatingWebhookConfiguration as YAML (the bundle's ConfigMap, mounted). */
        @WithDefault("/etc/hcp-rollback/olm/validatingwebhookconfiguration.yaml")
        String webhookConfigurationFile();

        /** generateName of the webhook definition OLM issues the certificate for; its configuration carries OLM's CA. */
        @WithDefault("olm-certificate.rollback.hypershift.openshift.io")
        String certificateWebhook();

        /** The Service OLM creates for the webhooks ({@code <deployment>-service}). */
        @WithDefault("hcp-rollback-service")
        String serviceName();

        /** The sidecar's namespace, where that Service is. */
        @WithDefault("${POD_NAMESPACE:hcp-rollback}")
        String namespace();

        /** How often the registration is checked again (repairs edits; OLM's CA rotations are seen at once). */
        @WithDefault("10m")
        Duration resync();
    }

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

        /** How long Stage, and then Swap, each wait for every member's Job. */
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

        /**
         * Stage every member (download, verify, restore into a scratch directory beside the data) while
         * the control plane still serves, binding each stage Job to the node of its member's pod: the API
         * servers are then down only for quiesce, swap and start of etcd, whatever etcd's size. Off:
         * staging waits until etcd is stopped (for volumes that cannot be mounted by a second pod).
         */
        @WithDefault("true")
        boolean stageWhileServing();

        /**
         * The image the first container of each stage Job, and the preflight's measure Jobs, run: the sidecar's own
         * code downloads the snapshot and checks its SHA-256 there (so no tool of the etcd image is assumed). Unset:
         * the image the sidecar itself runs, by digest, read from its own pod ({@code POD_NAME} and
         * {@code POD_NAMESPACE}, set by the Deployment from the downward API); outside a pod,
         * {@code quay.io/hcp-rollback/hcp-rollback:<version>}. The preflight proves the nodes can pull it.
         */
        Optional<String> fetchImage();

        /**
         * How long after its record was created a rollback that has not reached its point of no return is cancelled
         * (undone, phase Cancelled): a request stuck in line or in a wait does not stay armed for days. From 2h to 7d,
         * checked at start-up ({@link CancelAfter}).
         */
        @WithDefault("6h")
        @WithConverter(CancelAfter.class)
        Duration cancelAfter();

        LeaderElection leaderElection();

        Floors floors();
    }

    /**
     * The ConfigMap of rollback floors the SRE team keeps ({@code data: {"4.18": "4.18.3"}}: no rollback within 4.18
     * to a version older than 4.18.3), read through an informer on that one object; absent: no floor.
     */
    interface Floors {
        @WithDefault("hcp-rollback-rollback-floors")
        String configMap();

        /** Its namespace: the sidecar's own (the Deployment sets POD_NAMESPACE from the downward API). */
        @WithDefault("${POD_NAMESPACE:hcp-rollback}")
        String namespace();
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

        /**
         * How long a SubjectAccessReview's answer is reused for the same requester (user, uid, groups, extra) and
         * cluster: a grant or a refusal is never older than this. {@code 0s} asks every time. Errors are never kept.
         */
        @WithDefault("5s")
        Duration reviewCacheTtl();

        /** How many SubjectAccessReview answers are kept at most, least recently used dropped first. */
        @WithDefault("1000")
        int reviewCacheSize();
    }

    interface Webhook {

        /**
         * How long identical refusals (same requester, operation, object, rule) are counted instead of logged
         * after the first one's line; when the interval ends, one line says how many more there were.
         * {@code 0s} logs every refusal.
         */
        @WithDefault("60s")
        Duration refusalLogInterval();
    }

    interface UpgradeGate {
        /** {@code off}, {@code warn} or {@code enforce}. */
        @WithDefault("warn")
        UpgradeGateMode mode();

        /** How old the verified snapshot of the current payload may be when an upgrade starts. */
        @WithDefault("12h")
        Duration maxSnapshotAge();

        /**
         * A change to a payload whose version cannot be found (not in the cluster's history, its snapshots
         * or the registry): {@code authorise} admits it only for requesters with the {@code rollback} verb,
         * since it could be an older payload; {@code warn} admits it for anyone with a warning.
         */
        @WithDefault("authorise")
        UnknownPayloadMode unknownPayload();
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

        /**
         * How snapshot objects are stored: {@code none} (the etcd snapshot file as is) or {@code zstd}
         * (smaller objects for more CPU; docs/benchmarks.md has the measured ratio and throughput). Each
         * snapshot records its own, so changing this never breaks the restore of older snapshots.
         */
        @WithDefault("none")
        dev.hcprollback.api.SnapshotCompression compression();

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
         * value is replaced by the control-plane namespace, {@code {service}} by the client Service
         * ({@code etcd-client}, or {@code etcd-client-<shard>} for an etcd shard).
         */
        Optional<String> endpoint();

        /**
         * Per etcd shard name ({@code shard-endpoints.<shard>}): overrides that shard's endpoint, as {@code endpoint}
         * does the default etcd's ({@code {namespace}} replaced). Needed for shards only when {@code endpoint} is set
         * without {@code {service}}.
         */
        java.util.Map<String, String> shardEndpoints();

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

        /**
         * Longest wait for the next bytes of a snapshot stream: a stream that stalls this long is given up and the
         * snapshot tried again (a stalled member would otherwise hold the attempt until {@code snapshot-timeout}).
         */
        @WithDefault("60s")
        Duration idleTimeout();
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

        /**
         * Longest wait for the next bytes of an object store's answer, for Azure Blob here and for S3 through
         * {@code quarkus.s3.sync-client.socket-timeout}, which application.properties sets from this; a read stalled
         * this long fails and the snapshot or its read-back is tried again.
         */
        @WithDefault("60s")
        Duration idleTimeout();

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

        /**
         * How the sidecar proves itself to the account, spelled exactly (anything else stops the start with the
         * accepted values): {@code shared-key} (account-name and account-key, or connection-string; read URLs are
         * service SAS signed with the key), {@code workload-identity} (a Microsoft Entra ID token exchanged for the
         * pod's service-account token, from {@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID},
         * {@code AZURE_FEDERATED_TOKEN_FILE} and optionally {@code AZURE_AUTHORITY_HOST}, the variables the Azure
         * Workload Identity webhook injects) or {@code managed-identity} (the node's or pod's managed identity, from
         * the instance metadata service). Both identities need no key: they must not be given one, and read URLs are
         * user-delegation SAS. The identity needs "Storage Blob Data Contributor" on the container and the account's
         * {@code generateUserDelegationKey} action, which that role includes (docs/snapshots.md).
         */
        @WithDefault("shared-key")
        String credential();

        /** Storage account name: the shared key's account, and the endpoint's host when endpoint is not set. */
        Optional<String> accountName();

        /** Storage account key (credential {@code shared-key}), usually from a Secret through an environment variable. */
        Optional<String> accountKey();

        /** A full connection string instead of endpoint, account name and key (credential {@code shared-key}). */
        Optional<String> connectionString();

        /**
         * The client id of a user-assigned managed identity (credential {@code managed-identity}); unset: the
         * system-assigned one.
         */
        Optional<String> managedIdentityClientId();
    }

    enum StorageBackend {
        s3,
        azure
    }

    enum UnknownPayloadMode {
        authorise,
        warn
    }

    enum UpgradeGateMode {
        off,
        warn,
        enforce
    }
}
