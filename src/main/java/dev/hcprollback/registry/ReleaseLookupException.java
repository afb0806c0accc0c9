package dev.hcprollback.registry;

/** The registry could not tell a payload's version: no answer in time, credentials refused, or no such image. */
public class ReleaseLookupException extends RuntimeException {

    public ReleaseLookupException(String message) {
        super(message);
    }

    public ReleaseLookupException(String message, Throwable cause) {
        super(message, cause);
    }
}
