package dev.hcprollback.rollback.etcd;

import dev.hcprollback.hypershift.EtcdCluster;

/** Reads the members of a hosted control plane's etcd (see {@link EtcdMembers#read}). */
@FunctionalInterface
public interface EtcdMembersReader {

    EtcdMembers read(String controlPlaneNamespace) throws Exception;

    /**
     * The members of one etcd cluster of the control plane: the default etcd ({@link #read(String)}) or an etcd shard
     * through its own client Service. A reader that knows no shards refuses (the caller waits and says why).
     */
    default EtcdMembers read(String controlPlaneNamespace, EtcdCluster etcd) throws Exception {
        if (etcd.isDefault()) {
            return read(controlPlaneNamespace);
        }
        throw new UnsupportedOperationException("no reader of etcd shard " + etcd.shardName());
    }
}
