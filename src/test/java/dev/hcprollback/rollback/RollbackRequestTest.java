package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStrategy;

/** The one parser of the request annotations, which the webhook and the controllers share. */
class RollbackRequestTest {

    private static Map<String, String> request(String key, String value) {
        Map<String, String> annotations = new HashMap<>(Map.of(RollbackRequest.TO_VERSION, "4.18.5",
                RollbackRequest.REASON, "INC-1"));
        annotations.put(key, value);
        return annotations;
    }

    @Test
    void exactFlagValuesAndAbsenceAreRead() {
        assertTrue(RollbackRequest.of(request(RollbackRequest.DRY_RUN, "true")).dryRun());
        assertFalse(RollbackRequest.of(request(RollbackRequest.DRY_RUN, "false")).dryRun());
        RollbackRequest plain = RollbackRequest.of(Map.of(RollbackRequest.TO_VERSION, "4.18.5", RollbackRequest.REASON, "INC-1"));
        assertFalse(plain.dryRun());
        assertEquals(RollbackStrategy.RestoreEtcd, plain.strategy());
        assertTrue(plain.isValid());
        assertEquals(RollbackStrategy.PayloadOnly, RollbackRequest.of(request(RollbackRequest.STRATEGY, "PayloadOnly")).strategy());
    }

    @ParameterizedTest
    @ValueSource(strings = { "True", "TRUE", "yes", "1", "on", " true", "true ", "", "\"true\"" })
    void anyOtherSpellingOfADryRunIsInvalidAndNeverAReadAsARealRollback(String value) {
        RollbackRequest request = RollbackRequest.of(request(RollbackRequest.DRY_RUN, value));
        assertFalse(request.isValid());
        assertEquals(List.of(new RollbackRequest.InvalidValue(RollbackRequest.DRY_RUN, value, List.of("true", "false"))),
                request.invalid());
    }

    @ParameterizedTest
    @ValueSource(strings = { "payloadonly", "Payload-Only", " PayloadOnly", "restoreEtcd", "" })
    void anyOtherSpellingOfAStrategyIsInvalid(String value) {
        assertEquals(List.of(RollbackRequest.STRATEGY), RollbackRequest.of(request(RollbackRequest.STRATEGY, value)).invalid()
                .stream().map(RollbackRequest.InvalidValue::key).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = { "True", "yes", " true", "" })
    void onlyAnExactTrueOptsInToAutomaticRollbacks(String value) {
        assertFalse(RollbackRequest.of(Map.of(RollbackRequest.AUTO_ROLLBACK, value)).isValid());
        assertFalse(RollbackRequest.autoRollback(cluster(RollbackRequest.AUTO_ROLLBACK, value)));
        assertTrue(RollbackRequest.autoRollback(cluster(RollbackRequest.AUTO_ROLLBACK, "true")));
        assertFalse(RollbackRequest.autoRollback(cluster(RollbackRequest.AUTO_ROLLBACK, "false")));
    }

    private static dev.hcprollback.hypershift.HostedCluster cluster(String key, String value) {
        dev.hcprollback.hypershift.HostedCluster cluster = new dev.hcprollback.hypershift.HostedCluster();
        cluster.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("payments")
                .withAnnotations(Map.of(key, value)).build());
        return cluster;
    }

    @Test
    void theVersionIsTakenAsWrittenAndTheReasonMustNotBeBlank() {
        assertEquals(Optional.of(" 4.18.5"), RollbackRequest.of(request(RollbackRequest.TO_VERSION, " 4.18.5")).toVersion());
        assertEquals(Optional.empty(), RollbackRequest.of(request(RollbackRequest.REASON, "  ")).reason());
    }
}
