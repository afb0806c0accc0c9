package dev.hcprollback.testing;

import java.util.List;

/**
 * The people and programs of a management cluster, as users of {@link KubeApiServer}'s token file. What each
 * may do is what the install and the test's own RBAC grant them, nothing more. The sidecar is not here: it
 * authenticates with a real service-account token the server issues ({@link Install#sidecarToken}).
 */
public enum TestUser {

    /** A cluster administrator: applies the install, reads everything. */
    ADMIN("cluster-admin", "system:masters"),
    /** An SRE of the managed service, in the group the install's docs bind to {@code hcp-rollback-requester}. */
    SRE("sre-alice", RbacSimulator.SRE_GROUP),
    /** A customer's administrator: edits the HostedClusters of its own namespace, nothing cluster-wide. */
    CUSTOMER("customer-admin", "customers"),
    /**
     * The HyperShift operator, by the name the rules know it ({@code system:serviceaccount:hypershift:operator});
     * the simulator acts as this user.
     */
    HYPERSHIFT_OPERATOR("system:serviceaccount:hypershift:operator", "system:serviceaccounts",
            "system:serviceaccounts:hypershift"),
    /** OADP/Velero restoring objects from a backup. */
    VELERO("system:serviceaccount:openshift-adp:velero", "system:serviceaccounts", "system:serviceaccounts:openshift-adp");

    public final String username;
    public final List<String> groups;

    TestUser(String username, String... groups) {
        this.username = username;
        this.groups = List.of(groups);
    }
}
