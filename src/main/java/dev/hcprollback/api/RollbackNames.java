package dev.hcprollback.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.hcprollback.hypershift.EtcdCluster;
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
        return stageJob(rollback, EtcdCluster.DEFAULT, member);
    }

    /** {@code hcp-rollback-swap-<hash>-etcd-<N>}. */
    public static String swapJob(ControlPlaneRollback rollback, int member) {
        return swapJob(rollback, EtcdCluster.DEFAULT, member);
    }

    /** {@code hcp-rollback-measure-<hash>-etcd-<N>}: the preflight's measure of a member's volume, once per rollback. */
    public static String measureJob(ControlPlaneRollback rollback, int member) {
        return measureJob(rollback, EtcdCluster.DEFAULT, member);
    }

    /** {@code hcp-rollback-stage-<hash>-<member>}, the member of the default etcd or of a shard (see {@link #memberJob}). */
    public static String stageJob(ControlPlaneRollback rollback, EtcdCluster etcd, int member) {
        return memberJob("hcp-rollback-stage-" + rollbackHash(rollback) + "-", etcd, member);
    }

    /** {@code hcp-rollback-swap-<hash>-<member>}. */
    public static String swapJob(ControlPlaneRollback rollback, EtcdCluster etcd, int member) {
        return memberJob("hcp-rollback-swap-" + rollbackHash(rollback) + "-", etcd, member);
    }

    /** {@code hcp-rollback-measure-<hash>-<member>}. */
    public static String measureJob(ControlPlaneRollback rollback, EtcdCluster etcd, int member) {
        return memberJob("hcp-rollback-measure-" + rollbackHash(rollback) + "-", etcd, member);
    }

    /**
     * {@code <prefix><member name>} ({@code etcd-events-1}) when that fits in 63 characters (a Job's name goes into its
     * pods' labels); a shard name too long for it (up to 48 characters) is cut and followed by 6 characters of its
     * hash, so that two shards never share a Job. Always ends in {@code -<N>}.
     */
    static String memberJob(String prefix, EtcdCluster etcd, int member) {
        String name = prefix + etcd.memberName(member);
        if (name.length() <= MAX_LABEL) {
            return name;
        }
        String tail = "-" + hash(etcd.statefulSet(), 6) + "-" + member;
        String set = etcd.statefulSet().substring(0, MAX_LABEL - prefix.length() - tail.length());
        return prefix + (set.endsWith("-") ? set.substring(0, set.length() - 1) + "x" : set) + tail;
    }

    private static final int MAX_LABEL = 63;

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
