package dev.hcprollback.hypershift;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * HyperShift's {@code spec.etcd} of a HostedCluster, reduced to what a rollback must know about etcd shards
 * (TechPreview EtcdSharding): {@code spec.etcd.managed.shards[]}, up to 10 etcd clusters besides the default one, each
 * holding the resources the API server routes to it (its {@code --etcd-servers-overrides}).
 *
 * <p>Source: openshift/hypershift at 3ee9615: api/hypershift/v1beta1 (ManagedEtcdShardSpec, EtcdShardResource), the
 * TechPreviewNoUpgrade HostedCluster CRD, and the control-plane operator's shard component
 * (control-plane-operator/controllers/hostedcontrolplane/v2/etcd/shard.go, support/etcd/shards.go): a shard
 * {@code <name>} runs as StatefulSet {@code etcd-<name>} behind the client Service {@code etcd-client-<name>} and the
 * discovery Service {@code etcd-discovery-<name>}, its pods use the default etcd's client certificate
 * ({@code etcd-client-tls}); storage unset or {@code PersistentVolume} gives each member the PVC
 * {@code data-etcd-<name>-<ordinal>}, {@code EmptyDir} a memory-backed volume lost with the pod. Shards cannot be added,
 * removed or changed after the cluster was created.
 */
public final class ManagedEtcd {

    /** {@code spec.etcd.managementType} of an etcd HyperShift runs; shards are used only then. */
    public static final String MANAGED = "Managed";
    public static final String PERSISTENT_VOLUME = "PersistentVolume";
    public static final String EMPTY_DIR = "EmptyDir";

    private ManagedEtcd() {
    }

    /** {@code spec.etcd}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Spec extends KeepsUnknownFields {
        /** {@code Managed} or {@code Unmanaged}. */
        public String managementType;
        public Managed managed;
    }

    /** {@code spec.etcd.managed}; its {@code storage} and the rest are kept untouched. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Managed extends KeepsUnknownFields {
        public List<Shard> shards;
    }

    /** One entry of {@code spec.etcd.managed.shards}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Shard extends KeepsUnknownFields {
        /** A DNS-1123 label, at most 48 characters. */
        public String name;
        /** 1 or 3. */
        public Integer replicas;
        public List<Resource> resources;
        /** Unset: PersistentVolume storage inherited from {@code spec.etcd.managed.storage}. */
        public Storage storage;

        /** {@code etcd-<name>}: the StatefulSet, and the prefix of its pods and PVCs. */
        @JsonIgnore
        public String statefulSet() {
            return "etcd-" + name;
        }

        /** {@code etcd-client-<name>}: the Service the API server and backups reach it through, port 2379. */
        @JsonIgnore
        public String clientService() {
            return "etcd-client-" + name;
        }

        /** Whether its data lives on PersistentVolumes (storage unset or {@code PersistentVolume}), so a snapshot can keep it. */
        @JsonIgnore
        public boolean persistent() {
            return storage == null || storage.type == null || !EMPTY_DIR.equals(storage.type);
        }

        /** The members' count, 1 when unset. */
        @JsonIgnore
        public int memberCount() {
            return replicas == null ? 1 : replicas;
        }

        /** What it holds, as the API server routes it: {@code events, coordination.k8s.io/leases}. */
        @JsonIgnore
        public String holds() {
            return resources == null || resources.isEmpty() ? "no resource"
                    : resources.stream().map(Resource::toString).collect(Collectors.joining(", "));
        }

        /** One line: {@code etcd-events (PersistentVolume, 3 members; holds events)}. */
        @Override
        public String toString() {
            return statefulSet() + " (" + (persistent() ? PERSISTENT_VOLUME : EMPTY_DIR + " in memory") + ", "
                    + memberCount() + (memberCount() == 1 ? " member" : " members") + "; holds " + holds() + ")";
        }
    }

    /** A resource type routed to a shard; {@code apiGroup} is empty for the core group. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Resource extends KeepsUnknownFields {
        public String apiGroup;
        public String resource;

        public Resource() {
        }

        public Resource(String apiGroup, String resource) {
            this.apiGroup = apiGroup;
            this.resource = resource;
        }

        @Override
        public String toString() {
            return apiGroup == null || apiGroup.isEmpty() ? resource : apiGroup + "/" + resource;
        }
    }

    /** {@code storage} of a shard. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Storage extends KeepsUnknownFields {
        /** {@code PersistentVolume} or {@code EmptyDir}. */
        public String type;
    }

    /** The shards of {@code spec}, in their order; empty when etcd is not managed by HyperShift or has no shards. */
    public static List<Shard> shardsOf(Spec spec) {
        return Optional.ofNullable(spec).filter(s -> s.managementType == null || MANAGED.equals(s.managementType))
                .map(s -> s.managed).map(m -> m.shards).map(List::copyOf).orElse(List.of());
    }
}
