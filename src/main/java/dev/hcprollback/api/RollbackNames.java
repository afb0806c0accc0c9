package dev.hcprollback.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.hcprollback.hypershift.HostedCluster;

/** Deterministic names, so that a sidecar restarted at any point finds what it already created. */
public final class RollbackNames {

    /** On the HostedCluster: the name of the ControlPlaneRollback its current request created. */
    public static final String LINK_ANNOTATION = RollbackRequest.PREFIX + "rollback";
    /** On the HostedCluster: the record of the last request, once that request is gone (done or withdrawn). */
    public static final String LAST_ANNOTATION = RollbackRequest.PREFIX + "last-rollback";
    /** On a ControlPlaneRollback: the hash of the request it answers (cluster, version, plan or not, update). */
    public static final String REQUEST_LABEL = RollbackRequest.PREFIX + "request";
    /** On a ControlPlaneRollback: the HostedCluster it is for. */
    public static final String CLUSTER_LABEL = RollbackRequest.PREFIX + "hosted-cluster";
    /** On restore Jobs: the ControlPlaneRollback they belong to. */
    public static final String ROLLBACK_LABEL = RollbackRequest.PREFIX + "rollback";

    private RollbackNames() {
    }

    /**
     * {@code <cluster>-to-<version>[-plan]-<hash>[-<attempt>]}: the hash names the request (cluster,
     * version, plan or not, the update it rolls back); the attempt counts requests of the same kind
     * made again after an earlier one ended, 1 being left out.
     */
    public static String forRequest(HostedCluster cluster, String toVersion, boolean dryRun, String updateStarted,
            int attempt) {
        String base = cluster.getMetadata().getName() + "-to-" + toVersion.replaceAll("[^a-z0-9-]", "-")
                + (dryRun ? "-plan" : "");
        base = base.length() > 200 ? base.substring(0, 200) : base;
        return base + "-" + requestHash(cluster, toVersion, dryRun, updateStarted) + (attempt > 1 ? "-" + attempt : "");
    }

    public static String requestHash(HostedCluster cluster, String toVersion, boolean dryRun, String updateStarted) {
        return hash(cluster.getMetadata().getUid() + "|" + toVersion + "|" + dryRun + "|" + updateStarted, 8);
    }

    /** {@code hcp-rollback-stage-<hash>-etcd-<N>}: short enough for the Job's pod labels. */
    public static String stageJob(ControlPlaneRollback rollback, int member) {
        return "hcp-rollback-stage-" + rollbackHash(rollback) + "-etcd-" + member;
    }

    /** {@code hcp-rollback-swap-<hash>-etcd-<N>}. */
    public static String swapJob(ControlPlaneRollback rollback, int member) {
        return "hcp-rollback-swap-" + rollbackHash(rollback) + "-etcd-" + member;
    }

    /** {@code hcp-rollback-measure-<hash>-etcd-<N>}: the preflight's measure of a member's volume, once per rollback. */
    public static String measureJob(ControlPlaneRollback rollback, int member) {
        return "hcp-rollback-measure-" + rollbackHash(rollback) + "-etcd-" + member;
    }

    /** {@code hcp-rollback-probe-<hash of the image>}: one probe per image and namespace, whichever rollback asks. */
    public static String probeJob(String image) {
        return "hcp-rollback-probe-" + hash(image, 16);
    }

    private static String rollbackHash(ControlPlaneRollback rollback) {
        return hash(rollback.getMetadata().getNamespace() + "/" + rollback.getMetadata().getName() + "/"
                + rollback.getMetadata().getUid(), 10);
    }

    public static String hash(String text, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
