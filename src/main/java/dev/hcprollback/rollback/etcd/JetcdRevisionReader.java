package dev.hcprollback.rollback.etcd;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.snapshot.ControlPlaneEtcd;
import dev.hcprollback.snapshot.EtcdAccessPolicy;
import io.etcd.jetcd.Client;
import io.quarkus.arc.DefaultBean;

/**
 * Reads the hosted etcd the way snapshots do ({@link ControlPlaneEtcd}: the {@code etcd-client}
 * Service, mutual TLS with the control plane's own client certificate), holding the additive
 * NetworkPolicy that admits the sidecar to port 2379 while it reads: the data-loss window of the plan and the
 * members' own status (db size, revision, cluster ID) for the preflight and the start of etcd.
 */
@ApplicationScoped
@DefaultBean
public class JetcdRevisionReader implements EtcdRevisionReader, EtcdMembersReader {

    @Inject
    ControlPlaneEtcd etcd;

    @Inject
    EtcdAccessPolicy accessPolicy;

    @Inject
    HcpRollbackConfig config;

    @Override
    public DataLossWindow changesSince(String controlPlaneNamespace, long revision) throws Exception {
        accessPolicy.acquire(controlPlaneNamespace);
        try (Client client = etcd.connect(controlPlaneNamespace)) {
            return KeyChanges.since(client.getKVClient(), revision, config.snapshot().etcd().requestTimeout());
        } finally {
            accessPolicy.release(controlPlaneNamespace);
        }
    }

    @Override
    public EtcdMembers read(String controlPlaneNamespace) throws Exception {
        return read(controlPlaneNamespace, EtcdCluster.DEFAULT);
    }

    /** The default etcd's members, or an etcd shard's through its own client Service (as its snapshot reads it). */
    @Override
    public EtcdMembers read(String controlPlaneNamespace, EtcdCluster cluster) throws Exception {
        accessPolicy.acquire(controlPlaneNamespace);
        try (Client client = cluster.isDefault() ? etcd.connect(controlPlaneNamespace)
                : etcd.connect(controlPlaneNamespace, cluster.shard())) {
            return EtcdMembers.read(client, config.snapshot().etcd().requestTimeout());
        } finally {
            accessPolicy.release(controlPlaneNamespace);
        }
    }
}
