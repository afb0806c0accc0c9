package dev.hcprollback.testing;

import static io.restassured.RestAssured.given;

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
}
