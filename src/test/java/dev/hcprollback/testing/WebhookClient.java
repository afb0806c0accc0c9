package dev.hcprollback.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.net.URL;

import io.restassured.config.RestAssuredConfig;
import io.restassured.config.SSLConfig;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** Posts to the webhook over real HTTPS, trusting only the test CA that issued its certificate. */
public final class WebhookClient {

    private final URL base;

    public WebhookClient(URL base) {
        this.base = base;
    }

    public static RestAssuredConfig trustingTestCa() {
        return RestAssuredConfig.config().sslConfig(SSLConfig.sslConfig()
                .trustStore(WebhookTls.TRUST_STORE.toString(), WebhookTls.TRUST_STORE_PASSWORD));
    }

    public ValidatableResponse post(String path, String body) {
        return given().config(trustingTestCa())
                .baseUri(base.toString())
                .contentType(ContentType.JSON)
                .body(body)
                .when().post(path)
                .then();
    }

    public ValidatableResponse review(String path, AdmissionReviews review) {
        return post(path, review.toString());
    }

    /**
     * Posts {@code review} and checks the verdict as a table row states it: the uid echoed, allowed or not,
     * the rule in the audit annotations, a 403 status naming the rule on a denial, and {@code message}
     * (when not null) within the status message.
     */
    public ValidatableResponse judged(String path, AdmissionReviews review, boolean allowed, String rule, String message) {
        ValidatableResponse response = review(path, review)
                .statusCode(200)
                .body("apiVersion", equalTo("admission.k8s.io/v1"))
                .body("kind", equalTo("AdmissionReview"))
                .body("response.uid", equalTo(review.uid()))
                .body("response.allowed", equalTo(allowed))
                .body("response.auditAnnotations.rule", equalTo(rule))
                .body("response.auditAnnotations.decision", equalTo(allowed ? "allowed" : "denied"));
        if (allowed) {
            response.body("response.status", nullValue());
        } else {
            response.body("response.status.code", equalTo(403))
                    .body("response.status.message", containsString("[" + rule + "] "));
        }
        if (message != null) {
            response.body("response.status.message", containsString(message));
        }
        return response;
    }
}
