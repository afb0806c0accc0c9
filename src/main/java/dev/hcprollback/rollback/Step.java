package dev.hcprollback.rollback;

import java.util.List;

/** The steps of a rollback, in order. */
public enum Step {
    Pause,
    Quiesce,
    Restore,
    StartEtcd,
    Revert,
    Resume,
    Verify;

    public static List<Step> of(RollbackStrategy strategy) {
        return strategy == RollbackStrategy.PayloadOnly ? List.of(Pause, Revert, Resume, Verify)
                : List.of(values());
    }
}
