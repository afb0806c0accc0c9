package dev.hcprollback.webhook.review;

/** A request body that is not an AdmissionReview this webhook can judge; answered with HTTP 400. */
public class MalformedAdmissionReview extends RuntimeException {

    public MalformedAdmissionReview(String message) {
        super(message);
    }
}
