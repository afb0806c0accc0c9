package dev.hcprollback.eligibility;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import dev.hcprollback.hypershift.ReleaseVersion;

/**
 * The oldest version a rollback may go back to, per minor, as the SRE team writes it in a ConfigMap (its name from
 * {@code hcp-rollback.rollback.floors.config-map}): one entry per minor, {@code "4.18": "4.18.3"}, for fixes that
 * cannot be rolled back across. A rollback to a version below its minor's floor is refused. An entry that is not of
 * that shape refuses rollbacks rather than allowing them: a key that is not a minor refuses every rollback (it cannot
 * be told which minor it meant); a value that is not a version of the key's minor refuses the rollbacks of that minor.
 * While the ConfigMap has not been read yet, every rollback is refused ({@link #UNREAD}); no ConfigMap is no floor.
 *
 * @param source what the floors were read from, for messages ({@code ConfigMap <namespace>/<name>})
 */
public record RollbackFloors(String source, Map<String, ReleaseVersion> floors, Map<String, String> malformed,
        List<String> malformedKeys, boolean read) {

    private static final Pattern MINOR = Pattern.compile("(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)");

    /** No floor is configured. */
    public static RollbackFloors none(String source) {
        return new RollbackFloors(source, Map.of(), Map.of(), List.of(), true);
    }

    /** The floors have not been read yet: unknown, so no rollback passes. */
    public static RollbackFloors unread(String source) {
        return new RollbackFloors(source, Map.of(), Map.of(), List.of(), false);
    }

    /** What a cache holds: {@code data} empty when it has not listed yet ({@link #unread}). */
    public static RollbackFloors of(String source, Optional<Map<String, String>> data) {
        return data.map(d -> parse(source, d)).orElseGet(() -> unread(source));
    }

    /** Reads the ConfigMap's {@code data}; {@code null} data is no floor. */
    public static RollbackFloors parse(String source, Map<String, String> data) {
        Map<String, ReleaseVersion> floors = new TreeMap<>();
        Map<String, String> malformed = new TreeMap<>();
        List<String> malformedKeys = new ArrayList<>();
        Optional.ofNullable(data).orElse(Map.of()).forEach((key, value) -> {
            if (!MINOR.matcher(key).matches()) {
                malformedKeys.add("'" + key + "' is not a minor version such as 4.18");
                return;
            }
            Optional<ReleaseVersion> floor = ReleaseVersion.parse(value == null ? "" : value.trim());
            if (floor.isEmpty() || !floor.get().isSpelledAs(value) || !floor.get().minorLine().equals(key)) {
                malformed.put(key, "'" + key + "': '" + value + "' is not a release version of " + key + " such as " + key + ".3");
            } else {
                floors.put(key, floor.get());
            }
        });
        malformedKeys.sort(null);
        return new RollbackFloors(source, Map.copyOf(floors), Map.copyOf(malformed), List.copyOf(malformedKeys), true);
    }

    /** Why a rollback to {@code to} is refused by the floors, empty when it is not. */
    public Optional<Refused> refuses(ReleaseVersion to) {
        if (!read) {
            return Optional.of(new Refused(RollbackEligibility.Refusal.ROLLBACK_FLOOR_INVALID, "the rollback floors ("
                    + source + ") have not been read yet, so a rollback to " + to + " cannot be checked against them;"
                    + " try again in a moment."));
        }
        if (!malformedKeys.isEmpty()) {
            return Optional.of(new Refused(RollbackEligibility.Refusal.ROLLBACK_FLOOR_INVALID, "the rollback floors ("
                    + source + ") have an entry hcp-rollback cannot read: " + String.join("; ", malformedKeys)
                    + ". Every rollback is refused until the SRE team corrects it (docs/runbook.md#rollback-floor)."));
        }
        String minor = to.minorLine();
        if (malformed.containsKey(minor)) {
            return Optional.of(new Refused(RollbackEligibility.Refusal.ROLLBACK_FLOOR_INVALID, "the rollback floor of "
                    + minor + " (" + source + ") cannot be read: " + malformed.get(minor) + ". Rollbacks within " + minor
                    + " are refused until the SRE team corrects it (docs/runbook.md#rollback-floor)."));
        }
        ReleaseVersion floor = floors.get(minor);
        if (floor != null && to.isOlderThan(floor)) {
            return Optional.of(new Refused(RollbackEligibility.Refusal.BELOW_ROLLBACK_FLOOR, to + " is below the rollback"
                    + " floor of " + minor + ", " + floor + " (" + source + "): a fix in " + floor + " cannot be rolled"
                    + " back across. Roll forward instead."));
        }
        return Optional.empty();
    }

    /** A refusal by the floors. */
    public record Refused(RollbackEligibility.Refusal refusal, String message) {
    }
}
