package dev.hcprollback.testing;

import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateSpec;
import dev.hcprollback.api.ControlPlaneUpdateStatus;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.UpdateHealth;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/**
 * The objects the webhooks guard, as JSON a real API server accepts (HyperShift's CRDs have required fields and
 * CEL rules of their own), and put there the way their writers put them: the object first, its status through
 * the {@code status} subresource. Built from the fixtures the mock-server tests use ({@link HostedClusters},
 * {@link ManagementCluster#verifiedSnapshot}), never copies of them.
 */
public final class RealObjects {

    /** The kinds the install's webhooks guard, and NodePools, which the rules read. */
    public enum Kind {
        HOSTED_CLUSTER("hypershift.openshift.io", "v1beta1", "hostedclusters", "HostedCluster"),
        HOSTED_CONTROL_PLANE("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes", "HostedControlPlane"),
        NODE_POOL("hypershift.openshift.io", "v1beta1", "nodepools", "NodePool"),
        SNAPSHOT("rollback.hypershift.openshift.io", "v1alpha1", "controlplanesnapshots", "ControlPlaneSnapshot"),
        ROLLBACK("rollback.hypershift.openshift.io", "v1alpha1", "controlplanerollbacks", "ControlPlaneRollback"),
        UPDATE_RECORD("rollback.hypershift.openshift.io", "v1alpha1", "controlplaneupdates", "ControlPlaneUpdate");

        public final String group;
        public final String version;
        /** The resource, as RBAC, the webhook rules and the sidecar's metrics name it. */
        public final String resource;
        public final String kind;

        Kind(String group, String version, String resource, String kind) {
            this.group = group;
            this.version = version;
            this.resource = resource;
            this.kind = kind;
        }

        /** The name of this kind's webhook in the install's ValidatingWebhookConfiguration. */
        public String webhook() {
            return resource + ".rollback.hypershift.openshift.io";
        }

        public String collection(String namespace) {
            return "/apis/" + group + "/" + version + "/namespaces/" + namespace + "/" + resource;
        }

        public String object(String namespace, String name) {
            return collection(namespace) + "/" + name;
        }

        public String status(String namespace, String name) {
            return object(namespace, name) + "/status";
        }

        /** An empty object of this kind in {@code namespace}, named {@code name}. */
        public ObjectNode named(String namespace, String name) {
            ObjectNode object = HostedClusters.JSON.createObjectNode();
            object.put("apiVersion", group + "/" + version).put("kind", kind);
            object.putObject("metadata").put("name", name).put("namespace", namespace);
            return object;
        }

        @Override
        public String toString() {
            return kind;
        }
    }

    /** The fields HyperShift copies from a HostedCluster's spec into its HostedControlPlane's. */
    private static final List<String> COPIED_TO_CONTROL_PLANE = List.of("clusterID", "infraID", "issuerURL", "channel",
            "platform", "networking", "dns", "etcd", "services", "pullSecret", "sshKey", "secretEncryption",
            "controllerAvailabilityPolicy", "infrastructureAvailabilityPolicy", "fips", "olmCatalogPlacement");

    private RealObjects() {
    }

    /**
     * A HostedCluster fixture as a client creates it in {@code namespace}: without what the server assigns (uid,
     * resourceVersion, generation, creation time) and without HyperShift's finalizer, which nothing here would
     * remove; its status stays in the JSON for {@link #put} to write through the status subresource.
     */
    public static ObjectNode hostedCluster(HostedClusters fixture, String namespace) {
        ObjectNode cluster = fixture.json().deepCopy();
        ObjectNode metadata = (ObjectNode) cluster.get("metadata");
        metadata.remove(List.of("uid", "resourceVersion", "generation", "creationTimestamp", "finalizers"));
        metadata.put("namespace", namespace);
        return cluster;
    }

    /**
     * The HostedControlPlane HyperShift makes of a HostedCluster in its control-plane namespace: the same name, the
     * spec fields it copies, {@code releaseImage} (and {@code controlPlaneReleaseImage}) from the cluster's payloads.
     */
    public static ObjectNode hostedControlPlane(HostedClusters fixture, String controlPlaneNamespace) {
        JsonNode clusterSpec = fixture.json().get("spec");
        ObjectNode hcp = Kind.HOSTED_CONTROL_PLANE.named(controlPlaneNamespace, fixture.name());
        ((ObjectNode) hcp.get("metadata")).putObject("annotations").put("hypershift.openshift.io/cluster",
                fixture.json().at("/metadata/namespace").asText() + "/" + fixture.name());
        ObjectNode spec = hcp.putObject("spec");
        spec.put("releaseImage", clusterSpec.at("/release/image").asText());
        if (clusterSpec.has("controlPlaneRelease")) {
            spec.put("controlPlaneReleaseImage", clusterSpec.at("/controlPlaneRelease/image").asText());
        }
        COPIED_TO_CONTROL_PLANE.stream().filter(clusterSpec::has)
                .forEach(field -> spec.set(field, clusterSpec.get(field).deepCopy()));
        hcp.putObject("status").put("initialized", true).put("ready", true)
                .put("version", fixture.json().at("/status/version/desired/version").asText())
                .put("releaseImage", clusterSpec.at("/release/image").asText());
        return hcp;
    }

    /** A NodePool of {@code cluster} on {@code releaseImage}, whose status reports {@code version}. */
    public static ObjectNode nodePool(String namespace, String name, String cluster, String releaseImage, String version) {
        ObjectNode pool = Kind.NODE_POOL.named(namespace, name);
        ObjectNode spec = pool.putObject("spec");
        spec.put("clusterName", cluster).put("replicas", 3);
        spec.putObject("release").put("image", releaseImage);
        spec.putObject("management").put("upgradeType", "Replace");
        ObjectNode aws = spec.putObject("platform").put("type", "AWS").putObject("aws").put("instanceType", "m5.xlarge");
        aws.putObject("subnet").put("id", "subnet-0a1b2c3d");
        pool.putObject("status").put("version", version);
        return pool;
    }

    /**
     * A snapshot as the snapshot controller records it once verified ({@link ManagementCluster#verifiedSnapshot}),
     * of the HostedCluster {@code cluster} as the server stored it (its uid recorded).
     */
    public static ObjectNode verifiedSnapshot(String name, JsonNode cluster, String version, String releaseImage,
            Instant completed) {
        ControlPlaneSnapshot snapshot = ManagementCluster.verifiedSnapshot(name, cluster.at("/metadata/name").asText(),
                version, releaseImage, null, completed);
        snapshot.getMetadata().setNamespace(cluster.at("/metadata/namespace").asText());
        snapshot.getStatus().setHostedClusterUid(cluster.at("/metadata/uid").asText());
        return json(snapshot);
    }

    /** A record of {@code cluster}'s rollback to {@code toVersion}, restoring {@code snapshotName}, by {@code requestedBy}. */
    public static ObjectNode rollbackRecord(String namespace, String name, String cluster, String toVersion,
            String snapshotName, String requestedBy) {
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName(cluster);
        spec.setToVersion(toVersion);
        spec.setReason("INC-4711: API server crash-loops after 4.18.6");
        spec.setSnapshotName(snapshotName);
        spec.setStrategy(RollbackStrategy.RestoreEtcd);
        spec.setRequestedBy(requestedBy);
        ControlPlaneRollback record = new ControlPlaneRollback();
        record.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        record.setSpec(spec);
        return json(record);
    }

    /** The record of {@code cluster}'s update from 4.18.5 to 4.18.6, Unhealthy, as the sidecar writes it. */
    public static ObjectNode updateRecord(String namespace, String name, String cluster, String clusterUid) {
        ControlPlaneUpdateSpec spec = new ControlPlaneUpdateSpec();
        spec.setHostedClusterName(cluster);
        spec.setHostedClusterUid(clusterUid);
        spec.setFromVersion("4.18.5");
        spec.setFromImage(HostedClusters.tag("4.18.5"));
        spec.setToVersion("4.18.6");
        spec.setToImage(HostedClusters.tag("4.18.6"));
        spec.setStartTime("2026-11-30T21:49:38Z");
        ControlPlaneUpdateStatus status = new ControlPlaneUpdateStatus();
        status.setHealth(UpdateHealth.Unhealthy);
        status.setRollbackPoint(name + "-point");
        ControlPlaneUpdate record = new ControlPlaneUpdate();
        record.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        record.setSpec(spec);
        record.setStatus(status);
        return json(record);
    }

    /**
     * Creates {@code object} as {@code creator}, then writes its status (if it has one) as {@code statusWriter}
     * through the status subresource, as a controller does; returns the object as the server stored it.
     * Fails with the server's answer when either is refused.
     */
    public static ObjectNode put(KubeApiServer server, Caller creator, Caller statusWriter, ObjectNode object) {
        Kind kind = kindOf(object);
        String namespace = object.at("/metadata/namespace").asText();
        ObjectNode body = object.deepCopy();
        JsonNode status = body.remove("status");
        ApiRequest.Answer created = creator.send(server, ApiRequest.create(kind.collection(namespace), body));
        if (!created.succeeded()) {
            throw new IllegalStateException(creator + " could not create " + kind + " " + name(object) + ": " + created);
        }
        if (status == null) {
            return (ObjectNode) created.body();
        }
        // the whole object with its resourceVersion, as a controller updates a status: a merge patch would drop the
        // status fields that are null (HyperShift's required, nullable availableUpdates among them)
        ObjectNode withStatus = ((ObjectNode) created.body()).deepCopy();
        withStatus.set("status", status);
        ApiRequest.Answer written = statusWriter.send(server,
                ApiRequest.replace(kind.status(namespace, created.body().at("/metadata/name").asText()), withStatus));
        if (!written.succeeded()) {
            throw new IllegalStateException(statusWriter + " could not write the status of " + kind + " " + name(object)
                    + ": " + written);
        }
        return (ObjectNode) written.body();
    }

    /** Creates {@code object} and writes its status, both as {@code writer}. */
    public static ObjectNode put(KubeApiServer server, Caller writer, ObjectNode object) {
        return put(server, writer, writer, object);
    }

    public static Kind kindOf(JsonNode object) {
        String kind = object.path("kind").asText();
        for (Kind candidate : Kind.values()) {
            if (candidate.kind.equals(kind)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("not a kind the webhooks guard: " + kind);
    }

    private static String name(JsonNode object) {
        return object.at("/metadata/name").asText(object.at("/metadata/generateName").asText());
    }

    /** A model object as JSON without its null fields, which a CRD's schema would refuse as values of the wrong type. */
    private static ObjectNode json(Object model) {
        ObjectNode json = HostedClusters.JSON.valueToTree(model);
        withoutNulls(json);
        return json;
    }

    private static void withoutNulls(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getValue().isNull()) {
                    fields.remove();
                } else {
                    withoutNulls(field.getValue());
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(RealObjects::withoutNulls);
        }
    }

    /** A JSON object written as text, for the tables' patches and expected shapes. */
    public static ObjectNode parse(String text) {
        try {
            return (ObjectNode) HostedClusters.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code {"<field>": <a copy of value>}}. */
    public static ObjectNode wrap(String field, JsonNode value) {
        ObjectNode wrapper = HostedClusters.JSON.createObjectNode();
        wrapper.set(field, value.deepCopy());
        return wrapper;
    }
}
