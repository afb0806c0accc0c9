package dev.hcprollback.hypershift;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The update that brought a cluster to its current version, read off a version history (newest
 * first) as versions: consecutive entries of one version (a re-pin of the same release from tag to
 * digest, or to a mirror) are one version, so {@code firstOfVersion} is the oldest entry of that run
 * and its start is when the update began. {@code previousCompleted} is the most recent Completed entry
 * before the run, the only version a rollback may return to (the rule of {@code oc adm upgrade rollback}).
 */
public record UpdateStep(UpdateHistory current, UpdateHistory firstOfVersion, Optional<UpdateHistory> previousCompleted) {

    /** The step that led to {@code image} (matched by digest, else by version), if the history has it. */
    public static Optional<UpdateStep> leadingTo(List<UpdateHistory> history, PayloadImage image,
            Optional<ReleaseVersion> version) {
        PayloadIdentity wanted = PayloadIdentity.of(image, version);
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).payload().map(wanted::isSamePayloadAs).orElse(false)) {
                return Optional.of(stepAt(history, i));
            }
        }
        return Optional.empty();
    }

    /** The step that led to the newest entry of the history. */
    public static Optional<UpdateStep> latest(List<UpdateHistory> history) {
        return history.isEmpty() ? Optional.empty() : Optional.of(stepAt(history, 0));
    }

    private static UpdateStep stepAt(List<UpdateHistory> history, int index) {
        Optional<ReleaseVersion> version = versionOf(history.get(index));
        int end = index;
        while (version.isPresent() && end + 1 < history.size() && version.equals(versionOf(history.get(end + 1)))) {
            end++;
        }
        Optional<UpdateHistory> previous = history.subList(end + 1, history.size()).stream()
                .filter(UpdateHistory::isCompleted)
                .findFirst();
        return new UpdateStep(history.get(index), history.get(end), previous);
    }

    private static Optional<ReleaseVersion> versionOf(UpdateHistory entry) {
        return ReleaseVersion.parse(entry.getVersion());
    }

    /** When the update to the current version started: the start of the oldest entry of its run. */
    public Optional<Instant> startedAt() {
        return Timestamps.parse(firstOfVersion.getStartedTime());
    }

    public Optional<ReleaseVersion> previousVersion() {
        return previousCompleted.map(UpdateHistory::getVersion).flatMap(ReleaseVersion::parse);
    }

    /** The payload a rollback of this step returns to: the previous Completed entry's image and version. */
    public Optional<PayloadIdentity> previousPayload() {
        return previousCompleted.flatMap(UpdateHistory::payload);
    }

    /** False when the start is unknown: a rollback window that cannot be measured is closed. */
    public boolean startedWithin(Duration window, Instant now) {
        return startedAt().map(start -> !start.plus(window).isBefore(now)).orElse(false);
    }
}
