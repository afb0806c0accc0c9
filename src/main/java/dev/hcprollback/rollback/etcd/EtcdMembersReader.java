package dev.hcprollback.rollback.etcd;

/** Reads the members of a hosted control plane's etcd (see {@link EtcdMembers#read}). */
@FunctionalInterface
public interface EtcdMembersReader {

    EtcdMembers read(String controlPlaneNamespace) throws Exception;
}
