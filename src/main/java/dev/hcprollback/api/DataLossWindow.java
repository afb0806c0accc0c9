package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What a restore throws away: every etcd write after the snapshot. Counted with keys-only range reads
 * (no values are read): keys created or modified after the snapshot's revision, grouped by resource.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DataLossWindow {

    @JsonPropertyDescription("When the snapshot was taken (RFC 3339).")
    private String snapshotTime;
    @JsonPropertyDescription("etcd's revision at the snapshot.")
    private Long snapshotRevision;
    @JsonPropertyDescription("etcd's revision when the plan was made.")
    private Long currentRevision;
    @JsonPropertyDescription("Keys that exist now and were created or modified after the snapshot revision (keys-only reads: no values are read).")
    private Long keysChanged;
    @JsonPropertyDescription("Those keys counted per resource kind.")
    private List<KindCount> keysChangedByResource = new ArrayList<>();
    @JsonPropertyDescription("Keys deleted since the snapshot, when etcd has not compacted the snapshot revision away yet.")
    private Long keysDeleted;
    @JsonPropertyDescription("Why the counts are missing or partial.")
    private String note;

    public String getSnapshotTime() {
        return snapshotTime;
    }

    public void setSnapshotTime(String snapshotTime) {
        this.snapshotTime = snapshotTime;
    }

    public Long getSnapshotRevision() {
        return snapshotRevision;
    }

    public void setSnapshotRevision(Long snapshotRevision) {
        this.snapshotRevision = snapshotRevision;
    }

    public Long getCurrentRevision() {
        return currentRevision;
    }

    public void setCurrentRevision(Long currentRevision) {
        this.currentRevision = currentRevision;
    }

    public Long getKeysChanged() {
        return keysChanged;
    }

    public void setKeysChanged(Long keysChanged) {
        this.keysChanged = keysChanged;
    }

    public List<KindCount> getKeysChangedByResource() {
        return keysChangedByResource;
    }

    public void setKeysChangedByResource(List<KindCount> keysChangedByResource) {
        this.keysChangedByResource = keysChangedByResource == null ? new ArrayList<>() : keysChangedByResource;
    }

    public Long getKeysDeleted() {
        return keysDeleted;
    }

    public void setKeysDeleted(Long keysDeleted) {
        this.keysDeleted = keysDeleted;
    }

    public String getNote() {
        return note;
    }

    public void setNote(String note) {
        this.note = note;
    }
}
