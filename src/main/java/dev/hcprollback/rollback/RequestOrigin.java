package dev.hcprollback.rollback;

import java.util.Optional;

import dev.hcprollback.hypershift.HostedCluster;

/**
 * Who asked for a rollback, as far as the record shows: the sidecar creates records only from admitted
 * request annotations, labels them with the request and makes the HostedCluster their owner; any other
 * record was created directly through the API, and only the API server's audit log names its creator.
 */
final class RequestOrigin {

    private RequestOrigin() {
    }

    static String of(ControlPlaneRollback rollback) {
        Optional<String> owner = Optional.ofNullable(rollback.getMetadata().getOwnerReferences()).stream()
                .flatMap(java.util.List::stream)
                .filter(ref -> HostedCluster.class.getSimpleName().equals(ref.getKind()))
                .map(ref -> ref.getName()).findFirst();
        boolean fromRequest = rollback.getMetadata().getLabels() != null
                && rollback.getMetadata().getLabels().containsKey(RollbackNames.REQUEST_LABEL);
        if (fromRequest && owner.isPresent()) {
            return "Requested by: the rollback annotations of HostedCluster " + owner.get()
                    + " (admitted for a holder of the rollback verb; record created by hcp-rollback).";
        }
        return "Requested by: ControlPlaneRollback " + rollback.getMetadata().getName()
                + ", created directly, not from request annotations (its creator is in the API server's audit log).";
    }
}
