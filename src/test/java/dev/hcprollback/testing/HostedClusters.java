package dev.hcprollback.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.hypershift.HostedCluster;

/**
 * HostedCluster JSON as HyperShift stores it (every upstream field present, not only those the
 * project models), shaped per test. The default: cluster {@code clusters/payments}, updated from
 * 4.18.5 to 4.18.6 two hours ago, on 4.18.4 before that.
 */
public final class HostedClusters {

    public static final String NAMESPACE = "clusters";
    public static final String REPO = "quay.io/openshift-release-dev/ocp-release";
    public static final ObjectMapper JSON = new ObjectMapper();
    /** {@code metadata.uid} of the fixture: what the verified snapshots of {@code ManagementCluster} record. */
    public static final String UID = "6f1c1a52-5b0e-4b8c-9a3e-0d7f2b1c9e11";

    private final ObjectNode cluster;

    private HostedClusters(ObjectNode cluster) {
        this.cluster = cluster;
    }

    /** Cluster {@code name} on 4.18.6 (started two hours ago), after 4.18.5 and 4.18.4. */
    public static HostedClusters onSixAfterFive(String name) {
        Instant now = Instant.now();
        return fixture().named(name).release(tag("4.18.6"))
                .history(entry("Completed", "4.18.6", tag("4.18.6"), now.minus(Duration.ofHours(2)),
                        now.minus(Duration.ofMinutes(80))),
                        entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(20))),
                        entry("Completed", "4.18.4", tag("4.18.4"), now.minus(Duration.ofDays(50)), now.minus(Duration.ofDays(50))));
    }

    /** Wraps a HostedCluster as the API server returned it. */
    public static HostedClusters of(HostedCluster cluster) {
        return new HostedClusters(JSON.valueToTree(cluster));
    }

    public static HostedClusters of(ObjectNode json) {
        return new HostedClusters(json);
    }

    public static HostedClusters fixture() {
        try (InputStream in = HostedClusters.class.getResourceAsStream("/fixtures/hostedcluster.json")) {
            return new HostedClusters((ObjectNode) JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String tag(String version) {
        return REPO + ":" + version + "-x86_64";
    }

    public static String digest(char fill) {
        return REPO + "@sha256:" + String.valueOf(fill).repeat(64);
    }

    public static ObjectNode entry(String state, String version, String image, Instant started, Instant completed) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("state", state);
        entry.put("version", version);
        entry.put("image", image);
        entry.put("verified", true);
        entry.put("startedTime", started.truncatedTo(ChronoUnit.SECONDS).toString());
        if (completed == null) {
            entry.putNull("completionTime");
        } else {
            entry.put("completionTime", completed.truncatedTo(ChronoUnit.SECONDS).toString());
        }
        return entry;
    }

    /**
     * Adds {@code spec.etcd.managed.shards} (TechPreview EtcdSharding) as HyperShift's CRD spells them: e.g.
     * {@code shard("events", 1, "PersistentVolume", "/events")} routes core events to StatefulSet {@code etcd-events};
     * a resource is {@code <apiGroup>/<resource>}, the core group empty. {@code storage} null leaves it unset
     * (PersistentVolume inherited).
     */
    public HostedClusters withEtcdShards(ObjectNode... shards) {
        ArrayNode list = ((ObjectNode) cluster.at("/spec/etcd/managed")).putArray("shards");
        for (ObjectNode shard : shards) {
            list.add(shard);
        }
        return this;
    }

    public static ObjectNode shard(String name, int replicas, String storage, String... resources) {
        ObjectNode shard = JSON.createObjectNode().put("name", name).put("replicas", replicas);
        ArrayNode routed = shard.putArray("resources");
        for (String resource : resources) {
            int slash = resource.lastIndexOf('/');
            routed.addObject().put("apiGroup", resource.substring(0, slash)).put("resource", resource.substring(slash + 1));
        }
        if (storage != null) {
            shard.putObject("storage").put("type", storage);
        }
        return shard;
    }

    public HostedClusters named(String name) {
        metadata().put("name", name);
        return this;
    }

    public HostedClusters release(String image) {
        ((ObjectNode) cluster.get("spec")).putObject("release").put("image", image);
        return this;
    }

    public HostedClusters controlPlaneRelease(String image) {
        ObjectNode spec = (ObjectNode) cluster.get("spec");
        if (image == null) {
            spec.remove("controlPlaneRelease");
        } else {
            spec.putObject("controlPlaneRelease").put("image", image);
        }
        return this;
    }

    /** Sets both {@code status.version.history} and {@code status.controlPlaneVersion.history}, newest first. */
    public HostedClusters history(ObjectNode... entries) {
        return versionHistory(entries).controlPlaneHistory(entries);
    }

    public HostedClusters versionHistory(ObjectNode... entries) {
        ArrayNode history = ((ObjectNode) cluster.at("/status/version")).putArray("history");
        for (ObjectNode entry : entries) {
            history.add(entry.deepCopy());
        }
        return this;
    }

    public HostedClusters controlPlaneHistory(ObjectNode... entries) {
        ArrayNode history = ((ObjectNode) cluster.at("/status/controlPlaneVersion")).putArray("history");
        for (ObjectNode entry : entries) {
            history.add(entry.deepCopy());
        }
        return this;
    }

    public HostedClusters annotate(String key, String value) {
        ObjectNode annotations = (ObjectNode) metadata().get("annotations");
        if (value == null) {
            annotations.remove(key);
        } else {
            annotations.put(key, value);
        }
        return this;
    }

    public HostedClusters uid(String uid) {
        metadata().put("uid", uid);
        return this;
    }

    public HostedClusters requestRollback(String toVersion, String reason) {
        return annotate("rollback.hypershift.openshift.io/to-version", toVersion)
                .annotate("rollback.hypershift.openshift.io/reason", reason);
    }

    public HostedClusters copy() {
        return new HostedClusters(cluster.deepCopy());
    }

    public String name() {
        return cluster.at("/metadata/name").asText();
    }

    public ObjectNode json() {
        return cluster;
    }

    public HostedCluster model() {
        try {
            return JSON.treeToValue(cluster, HostedCluster.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode metadata() {
        return (ObjectNode) cluster.get("metadata");
    }
}
