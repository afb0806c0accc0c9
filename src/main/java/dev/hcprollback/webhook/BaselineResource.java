package dev.hcprollback.webhook;

import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.hcprollback.config.HcpRollbackConfig;

/**
 * For benchmarks only, off unless {@code hcp-rollback.benchmark.baseline-endpoint=true}: the same
 * HTTPS stack answering a constant AdmissionReview without reading the request, so that the cost of
 * the real rules can be told apart from the cost of TLS, HTTP and JSON.
 */
@Path("/validate/baseline")
@Produces(MediaType.APPLICATION_JSON)
public class BaselineResource {

    private static final String CONSTANT = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
            + "\"response\":{\"uid\":\"00000000-0000-0000-0000-000000000000\",\"allowed\":true}}";

    @Inject
    HcpRollbackConfig config;

    @POST
    public String constant(byte[] ignored) {
        if (!config.benchmark().baselineEndpoint()) {
            throw new NotFoundException();
        }
        return CONSTANT;
    }
}
