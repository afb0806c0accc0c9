package dev.hcprollback.hypershift;

import java.util.List;

/**
 * Names of the workloads HyperShift runs in a hosted control plane's namespace that a rollback stops and
 * starts (source: HyperShift's control-plane-operator, {@code control-plane-operator/controllers/hostedcontrolplane}).
 */
public final class ControlPlaneWorkloads {

    /** The writers of etcd and the operator that would scale them back, in the order they are stopped. */
    public static final List<String> WRITERS = List.of("control-plane-operator", "kube-apiserver", "openshift-apiserver",
            "openshift-oauth-apiserver");
    /** Writers that every hosted control plane has: a missing one means the namespace is not what the plan read. */
    public static final List<String> REQUIRED_WORKLOADS = List.of("kube-apiserver");
    /** The etcd StatefulSet, and the name of its etcd container. */
    public static final String ETCD = "etcd";

    private ControlPlaneWorkloads() {
    }
}
