package dev.hcprollback.rollback.steps;

/** A step's verdict on one look at the cluster: done (with what it did) or waiting (for what). */
public sealed interface Outcome permits Outcome.Done, Outcome.Wait {

    record Done(String message) implements Outcome {
    }

    record Wait(String forWhat) implements Outcome {
    }
}
