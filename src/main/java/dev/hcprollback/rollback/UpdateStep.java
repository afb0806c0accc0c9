package dev.hcprollback.rollback;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateHistory;

/**
 * The update that brought a cluster to its current payload, read off a version history (newest
 * first): the entry of the current payload and the most recent Completed entry before it, which is
 * the only version a rollback may return to (the rule of {@code oc adm upgrade rollback}).
 */
public record UpdateStep(UpdateHistory current, Optional<UpdateHistory> previousCompleted) {

    /** The step that led to {@code image} (matched by pull spec, else by version), if the history has it. */
    public static Optional<UpdateStep> leadingTo(List<UpdateHistory> history, PayloadImage image,
            Optional<ReleaseVersion> version) {
        int index = indexOf(history, image, version);
        if (index < 0) {
            return Optional.empty();
        }
        Optional<UpdateHistory> previous = history.subList(index + 1, history.size()).stream()
                .filter(UpdateHistory::isCompleted)
                .findFirst();
        return Optional.of(new UpdateStep(history.get(index), previous));
    }

    /** The step that led to the newest entry of the history. */
    public static Optional<UpdateStep> latest(List<UpdateHistory> history) {
        if (history.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new UpdateStep(history.get(0),
                history.stream().skip(1).filter(UpdateHistory::isCompleted).findFirst()));
    }

    private static int indexOf(List<UpdateHistory> history, PayloadImage image, Optional<ReleaseVersion> version) {
        for (int i = 0; i < history.size(); i++) {
            if (image.pullSpec().equals(history.get(i).getImage())) {
                return i;
            }
        }
        for (int i = 0; i < history.size() && version.isPresent(); i++) {
            if (version.equals(ReleaseVersion.parse(history.get(i).getVersion()))) {
                return i;
            }
        }
        return -1;
    }

    public Optional<Instant> startedAt() {
        return Timestamps.parse(current.getStartedTime());
    }

    public Optional<ReleaseVersion> previousVersion() {
        return previousCompleted.map(UpdateHistory::getVersion).flatMap(ReleaseVersion::parse);
    }

    /** False when the start is unknown: a rollback window that cannot be measured is closed. */
    public boolean startedWithin(Duration window, Instant now) {
        return startedAt().map(start -> !start.plus(window).isBefore(now)).orElse(false);
    }
}
