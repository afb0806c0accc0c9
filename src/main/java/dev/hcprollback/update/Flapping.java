package dev.hcprollback.update;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.hcprollback.api.SignalChanges;
import dev.hcprollback.hypershift.Timestamps;

/**
 * A signal's changes between red and green, remembered in the record's status from look to look (the
 * watch keeps nothing in memory): at each look a signal that turned red or green is one change, one
 * red again with a later {@code since} than last time went green and red in between (two changes).
 * Changes older than the window are forgotten. A signal with more than the limit of changes within the
 * window is flapping, the rule ARO-HCP proposes for its alerts ({@code changes(...[15m]) > 3}).
 */
final class Flapping {

    private Flapping() {
    }

    /**
     * The memory after this look: {@code before} as the status held it, {@code red} the signals red now; at the
     * first look ({@code first}) a red signal is where it starts, not a change.
     */
    static List<SignalChanges> remember(List<SignalChanges> before, List<RedSignal> red, boolean first, Instant now,
            Duration window) {
        List<SignalChanges> after = new ArrayList<>();
        String at = Timestamps.format(now);
        for (SignalChanges was : before) {
            Optional<RedSignal> is = red.stream().filter(s -> was.isOf(s.name(), s.object())).findFirst();
            List<String> changes = new ArrayList<>(was.getChanges());
            String since = is.map(s -> Timestamps.format(s.since())).orElse(null);
            if (was.getRedSince() == null && since != null || was.getRedSince() != null && since == null) {
                changes.add(at);
            } else if (since != null && !since.equals(was.getRedSince())) {
                changes.add(at);
                changes.add(at);
            }
            after.add(new SignalChanges(was.getName(), was.getObject(), since, changes));
        }
        for (RedSignal signal : red) {
            if (after.stream().noneMatch(c -> c.isOf(signal.name(), signal.object()))) {
                after.add(new SignalChanges(signal.name(), signal.object(), Timestamps.format(signal.since()),
                        first ? List.of() : List.of(at)));
            }
        }
        Instant oldest = now.minus(window);
        after.forEach(c -> c.getChanges().removeIf(t -> Timestamps.parse(t).map(oldest::isAfter).orElse(true)));
        after.removeIf(c -> c.getRedSince() == null && c.getChanges().isEmpty());
        return after;
    }

    /** How often {@code signal} changed within the window, by the memory {@code changes}. */
    static int changes(List<SignalChanges> changes, RedSignal signal) {
        return changes.stream().filter(c -> c.isOf(signal.name(), signal.object())).findFirst()
                .map(c -> c.getChanges().size()).orElse(0);
    }

    /** Signals of the memory (red or green now) that changed more than {@code limit} times within the window. */
    static List<SignalChanges> flapping(List<SignalChanges> changes, int limit) {
        return changes.stream().filter(c -> c.getChanges().size() > limit).toList();
    }

    static String label(SignalChanges changes) {
        return changes.getName() + (Objects.isNull(changes.getObject()) ? "" : " " + changes.getObject());
    }
}
