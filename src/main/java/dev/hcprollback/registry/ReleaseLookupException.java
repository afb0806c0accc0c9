package dev.hcprollback.registry;

/**
 * The registry could not say which release a payload image is: it did not answer in time, refused
 * the credentials, has no such image, or the pull secret itself is missing or unreadable. The
 * message names the registry, the image and which of these happened.
 */
public class ReleaseLookupException extends RuntimeException {

    /** What went wrong, for callers that word their own answer. */
    public enum Reason {
        /** No answer within {@code hcp-rollback.registry.timeout}, or the registry could not be reached. */
        UNREACHABLE,
        /** HTTP 401/403 after presenting the pull secret's credentials (or none). */
        UNAUTHORISED,
        /** HTTP 404: no such repository, tag or digest. */
        NOT_FOUND,
        /** The pull secret is missing or not a {@code kubernetes.io/dockerconfigjson} secret. */
        PULL_SECRET,
        /** The registry answered something that is not a readable image (or that does not match its digest). */
        UNREADABLE,
        /** Lookups are turned off ({@code hcp-rollback.registry.enabled=false}). */
        DISABLED
    }

    private final Reason reason;

    public ReleaseLookupException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ReleaseLookupException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
