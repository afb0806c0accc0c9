package dev.hcprollback.config;

import java.time.Duration;

import org.eclipse.microprofile.config.spi.Converter;

import io.quarkus.runtime.configuration.DurationConverter;

/**
 * Reads {@code hcp-rollback.rollback.cancel-after}: how long a rollback may take to reach its point of no return before
 * it is cancelled. Taken only as written ({@code 6h}, {@code 90m}, {@code 2d} or ISO-8601 {@code PT6H}) and only
 * between {@link #MIN} and {@link #MAX} (EKS lets a rollback be cancelled after a window of 2 hours to 7 days, the same
 * bounds): a bare number (seconds or hours?), surrounding spaces or a value outside the bounds stop the sidecar at
 * start-up with this setting's name in the message, instead of being guessed at or clamped.
 */
public final class CancelAfter implements Converter<Duration> {

    public static final String PROPERTY = "hcp-rollback.rollback.cancel-after";
    public static final Duration MIN = Duration.ofHours(2);
    public static final Duration MAX = Duration.ofDays(7);

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /** The duration {@code value} names; {@link IllegalArgumentException} naming the setting when it is not accepted. */
    public static Duration parse(String value) {
        String problem = null;
        Duration parsed = null;
        if (value == null || value.isEmpty()) {
            problem = "is empty";
        } else if (!value.equals(value.strip())) {
            problem = "has spaces around it";
        } else if (value.chars().allMatch(Character::isDigit)) {
            problem = "has no unit";
        } else {
            try {
                parsed = DurationConverter.parseDuration(value);
            } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
                problem = "is not a duration";
            }
            if (parsed != null && (parsed.compareTo(MIN) < 0 || parsed.compareTo(MAX) > 0)) {
                problem = "is outside " + MIN.toHours() + "h to " + MAX.toDays() + "d";
            }
        }
        if (problem != null) {
            throw new IllegalArgumentException(PROPERTY + " '" + value + "' " + problem + ": it takes a duration from "
                    + MIN.toHours() + "h to " + MAX.toDays() + "d written as 6h, 90m, 2d or PT6H");
        }
        return parsed;
    }
}
