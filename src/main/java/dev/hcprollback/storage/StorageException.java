package dev.hcprollback.storage;

/** A storage call failed; {@link #denied()} tells refused credentials or permissions from an outage. */
public class StorageException extends RuntimeException {

    private final boolean denied;

    public StorageException(String message, boolean denied, Throwable cause) {
        super(message, cause);
        this.denied = denied;
    }

    public boolean denied() {
        return denied;
    }
}
