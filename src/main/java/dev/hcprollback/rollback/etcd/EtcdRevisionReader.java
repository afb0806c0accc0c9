package dev.hcprollback.rollback.etcd;

import dev.hcprollback.api.DataLossWindow;

/** Reads a hosted control plane's etcd for the plan: its revision and what changed since a snapshot. */
public interface EtcdRevisionReader {

    /**
     * Counts, with keys-only range reads, the keys created or modified after {@code revision}, grouped
     * by resource, and (while etcd still has that revision) the keys deleted since.
     */
    DataLossWindow changesSince(String controlPlaneNamespace, long revision) throws Exception;
}
