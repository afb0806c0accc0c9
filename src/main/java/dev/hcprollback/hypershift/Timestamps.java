package dev.hcprollback.hypershift;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** RFC 3339 times as Kubernetes writes them; a value that does not parse is treated as absent. */
public final class Timestamps {

    private Timestamps() {
    }

    public static Optional<Instant> parse(String rfc3339) {
        if (rfc3339 == null || rfc3339.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(rfc3339).toInstant());
        } catch (DateTimeParseException notATime) {
            return Optional.empty();
        }
    }

    /** Second precision, as the API server stores {@code metav1.Time}. */
    public static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A duration as people read it: {@code 1h30m}, {@code 45s}. */
    public static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase();
    }
}
