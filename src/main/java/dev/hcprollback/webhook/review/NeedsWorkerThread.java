package dev.hcprollback.webhook.review;

import io.vertx.core.Context;

/**
 * Thrown by a call that may block (a SubjectAccessReview, a registry lookup) when it is about to be made on
 * an event-loop thread: the webhook judges a request on the event loop first, since almost every request
 * is decided from memory, and judges it again on a worker thread when this is thrown. Judging has no side
 * effect before the answer is written, so the second judgement starts from scratch.
 */
public final class NeedsWorkerThread extends RuntimeException {

    private NeedsWorkerThread(String call) {
        super(call + " may block; judged on a worker thread", null, false, false);
    }

    /** Returns when a blocking call may be made here; throws on an event-loop thread. */
    public static void beforeBlocking(String call) {
        if (Context.isOnEventLoopThread()) {
            throw new NeedsWorkerThread(call);
        }
    }
}
