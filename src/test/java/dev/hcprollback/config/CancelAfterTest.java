package dev.hcprollback.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** hcp-rollback.rollback.cancel-after: taken only as written and between 2h and 7d, else the sidecar does not start. */
class CancelAfterTest {

    @Test
    void acceptsDurationsInsideTheBounds() {
        assertEquals(Duration.ofHours(2), CancelAfter.parse("2h"));
        assertEquals(Duration.ofHours(6), CancelAfter.parse("PT6H"));
        assertEquals(Duration.ofMinutes(150), CancelAfter.parse("150m"));
        assertEquals(Duration.ofDays(7), CancelAfter.parse("7d"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "1h", "119m", "8d", "21600", " 6h", "6h ", "6 hours", "-6h" })
    void refusesAnythingElseNamingTheSetting(String value) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> CancelAfter.parse(value));
        assertTrue(refused.getMessage().startsWith("hcp-rollback.rollback.cancel-after '" + value + "' "), refused.getMessage());
        assertTrue(refused.getMessage().contains("from 2h to 7d"), refused.getMessage());
    }
}
