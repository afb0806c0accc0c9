package dev.hcprollback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.smallrye.config.SmallRyeConfigBuilder;

/** The start-up check of cancel-after: a value the converter refuses stops the start with its message, one line. */
class PrerequisitesConfigurationTest {

    private static Optional<Prerequisites.Finding> configuration(Map<String, String> settings) {
        return new Prerequisites(new SmallRyeConfigBuilder().withDefaultValues(settings).build(), Map.of()).configuration();
    }

    @Test
    void aCancelAfterWithoutAUnitStopsTheStart() {
        assertEquals(Optional.of(new Prerequisites.Finding("configuration", true, "hcp-rollback.rollback.cancel-after '90' "
                + "has no unit: it takes a duration from 2h to 7d written as 6h, 90m, 2d or PT6H")),
                configuration(Map.of("hcp-rollback.rollback.cancel-after", "90")));
    }

    @Test
    void anAcceptedOrUnsetCancelAfterIsNoFinding() {
        assertEquals(Optional.empty(), configuration(Map.of("hcp-rollback.rollback.cancel-after", "2h")));
        assertEquals(Optional.empty(), configuration(Map.of()));
    }
}
