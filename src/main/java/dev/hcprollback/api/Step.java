package dev.hcprollback.api;

import java.util.List;

/** The steps of a rollback; the plan records their order for each rollback. */
public enum Step {
    Pause,
    Quiesce,
    Stage,
    Swap,
    StartEtcd,
    Revert,
    Resume,
    Verify;

    /**
     * The order of the steps: {@code PayloadOnly} keeps etcd; {@code RestoreEtcd} stages every member
     * while the control plane still serves when {@code stageWhileServing}, else once it is stopped.
     */
    public static List<Step> of(RollbackStrategy strategy, boolean stageWhileServing) {
        if (strategy == RollbackStrategy.PayloadOnly) {
            return List.of(Pause, Revert, Resume, Verify);
        }
        return stageWhileServing ? List.of(Pause, Stage, Quiesce, Swap, StartEtcd, Revert, Resume, Verify)
                : List.of(Pause, Quiesce, Stage, Swap, StartEtcd, Revert, Resume, Verify);
    }
}
