package dev.hcprollback.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.hcprollback.testing.AdmissionDecisions.Decision;
import dev.hcprollback.testing.AdmissionDecisions.Judged;
import dev.hcprollback.testing.RealObjects.Kind;

/**
 * Requests to the real API server with the install's webhooks routed to one packaged sidecar, checked against what a
 * table row expects: the HTTP status and message the caller sees, and whether the API server called the webhook
 * and which rule it answered with ({@link AdmissionDecisions}). Every request is also checked for what must never
 * happen: a matchCondition the API server cannot evaluate (it fails closed with "... resulted in error"), a webhook
 * that cannot be called, or a guard that throws.
 */
public final class RealAdmission {

    /** The sidecar's controllers reconcile in this namespace only, where the tests put nothing (see {@link #sidecarConfig}). */
    private static final String CONTROLLERS_NAMESPACE = Install.NAMESPACE;
    private static final List<String> CONTROLLERS = List.of("controlplanesnapshot", "hostedcluster-snapshots",
            "controlplanerollback", "rollbacktrigger", "hostedcluster-updates");

    private final KubeApiServer server;
    private final AdmissionDecisions decisions;

    public RealAdmission(KubeApiServer server, SidecarProcess sidecar) {
        this.server = server;
        this.decisions = new AdmissionDecisions(sidecar);
    }

    /**
     * The settings of a sidecar that only judges admission in the tests' namespaces: its controllers watch the
     * sidecar's own namespace only, so that none of them snapshots, prunes, records or rolls back the objects a
     * table puts there, and no controller's write races a row's request. The webhooks read the informer caches,
     * which watch every namespace whatever the controllers do. No registry lookups leave the machine.
     */
    public static Map<String, String> sidecarConfig(Map<String, String> extra) {
        Map<String, String> config = new LinkedHashMap<>();
        CONTROLLERS.forEach(name -> config.put("quarkus.operator-sdk.controllers." + name + ".namespaces",
                CONTROLLERS_NAMESPACE));
        config.put("hcp-rollback.registry.enabled", "false");
        config.putAll(extra);
        return config;
    }

    /** What one request should get. */
    public record Expect(Outcome outcome, String rule, String fragment) {

        public enum Outcome {
            /** succeeds without a call to the webhook: a matchCondition or the webhook's rules leave it out */
            PASSES,
            /** succeeds, judged and admitted by the webhook with {@code rule} */
            ADMITTED,
            /** refused by the webhook with {@code rule}; the message contains {@code fragment} after the rule id */
            REFUSED,
            /** refused by RBAC before admission */
            FORBIDDEN,
            /** refused by the CRD's schema or CEL rules before the webhook is called; the message contains {@code fragment} */
            INVALID
        }

        public static Expect passes() {
            return new Expect(Outcome.PASSES, null, "");
        }

        public static Expect admitted(String rule) {
            return new Expect(Outcome.ADMITTED, rule, "");
        }

        /** Admitted by {@code rule} with a warning (kubectl prints it as "Warning: ...") containing {@code warning}. */
        public static Expect warned(String rule, String warning) {
            return new Expect(Outcome.ADMITTED, rule, warning);
        }

        public static Expect refused(String rule, String fragment) {
            return new Expect(Outcome.REFUSED, rule, fragment);
        }

        public static Expect forbidden() {
            return new Expect(Outcome.FORBIDDEN, null, "");
        }

        public static Expect invalid(String fragment) {
            return new Expect(Outcome.INVALID, null, fragment);
        }

        @Override
        public String toString() {
            return switch (outcome) {
                case PASSES -> "succeeds, not sent to the webhook";
                case ADMITTED -> "admitted [" + rule + "]" + (fragment.isEmpty() ? "" : " with a warning");
                case REFUSED -> "403 [" + rule + "]";
                case FORBIDDEN -> "403 by RBAC";
                case INVALID -> "422 by the CRD";
            };
        }
    }

    /**
     * Sends {@code request} as {@code caller} and checks the answer against {@code expected}: a success has
     * {@code successStatus} (201 for a create, 200 otherwise). {@code row} names the case in failure messages.
     * Returns the answer for further checks.
     */
    public ApiRequest.Answer check(String row, Caller caller, ApiRequest request, Kind kind, int successStatus,
            Expect expected) {
        Judged<ApiRequest.Answer> judged = decisions.during(() -> caller.send(server, request));
        ApiRequest.Answer answer = judged.answer();
        String seen = "[" + row + "] " + caller + " " + request.what() + " " + request.path() + " got " + answer
                + "; the webhooks decided " + judged.decisions();
        assertTrue(!answer.message().contains("resulted in error") && !answer.message().contains("failed calling webhook"),
                "the API server could not evaluate a matchCondition or call the webhook: " + seen);
        assertEquals(List.of(), judged.failures(), "the webhook failed (errors or unreadable reviews): " + seen);
        List<Decision> decided = judged.decisions();
        switch (expected.outcome()) {
            case PASSES -> {
                assertEquals(successStatus, answer.status(), seen);
                assertEquals(List.of(), decided, "the API server should not have called the webhook: " + seen);
            }
            case ADMITTED -> {
                assertEquals(successStatus, answer.status(), seen);
                assertEquals(List.of(new Decision(kind.resource, operation(request, successStatus), "allowed", expected.rule())),
                        decided, seen);
                if (!expected.fragment().isEmpty()) {
                    assertTrue(answer.warnings().stream().anyMatch(w -> w.contains(expected.fragment())),
                            "expected a warning containing '" + expected.fragment() + "': " + seen);
                }
            }
            case REFUSED -> {
                assertEquals(403, answer.status(), seen);
                assertEquals(List.of(new Decision(kind.resource, operation(request, successStatus), "denied", expected.rule())),
                        decided, seen);
                String shown = "admission webhook \"" + kind.webhook() + "\" denied the request: [" + expected.rule() + "] ";
                assertTrue(answer.message().startsWith(shown), "expected the message to start with '" + shown + "': " + seen);
                assertTrue(answer.message().contains(expected.fragment()),
                        "expected the message to contain '" + expected.fragment() + "': " + seen);
            }
            case FORBIDDEN -> {
                assertEquals(403, answer.status(), seen);
                assertTrue(answer.message().contains("is forbidden: User \"" + caller.username() + "\" cannot"), seen);
                assertEquals(List.of(), decided, seen);
            }
            case INVALID -> {
                assertEquals(422, answer.status(), seen);
                assertTrue(answer.message().contains(expected.fragment()),
                        "expected the message to contain '" + expected.fragment() + "': " + seen);
                assertEquals(List.of(), decided, "the webhook should not have been called: " + seen);
            }
        }
        return answer;
    }

    /** The admission operation of a request, as the webhook's metrics name it. */
    private static String operation(ApiRequest request, int successStatus) {
        return switch (request.method()) {
            case "POST" -> "CREATE";
            case "DELETE" -> "DELETE";
            // server-side apply creates an object that is not there yet, and answers 201 then
            case "PATCH" -> successStatus == 201 ? "CREATE" : "UPDATE";
            default -> "UPDATE";
        };
    }
}
