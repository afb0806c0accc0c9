package dev.hcprollback.rollback.steps;

/** Called at named points of a rollback; tests use it to stop the driver there. */
public interface Checkpoints {
    Checkpoints NONE = name -> {
    };

    void reached(String name);
}
