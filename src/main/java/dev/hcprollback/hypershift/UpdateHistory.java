package dev.hcprollback.hypershift;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/** One entry of {@code status.version.history} or {@code status.controlPlaneVersion.history}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateHistory extends KeepsUnknownFields {

    public static final String COMPLETED = "Completed";
    public static final String PARTIAL = "Partial";

    private String state;
    private String startedTime;
    private String completionTime;
    private String version;
    private String image;
    private Boolean verified;

    public UpdateHistory() {
    }

    public UpdateHistory(String state, String version, String image, String startedTime, String completionTime) {
        this.state = state;
        this.version = version;
        this.image = image;
        this.startedTime = startedTime;
        this.completionTime = completionTime;
    }

    @JsonIgnore
    public boolean isCompleted() {
        return COMPLETED.equals(state);
    }

    /** The payload this entry records: its image (and so its digest, if any) with its version. */
    @JsonIgnore
    public java.util.Optional<PayloadIdentity> payload() {
        return PayloadImage.of(image).map(pullSpec -> PayloadIdentity.of(pullSpec, ReleaseVersion.parse(version)));
    }

    public String getState() {
        return state;
    }

    public void setState(String state) {
        this.state = state;
    }

    public String getStartedTime() {
        return startedTime;
    }

    public void setStartedTime(String startedTime) {
        this.startedTime = startedTime;
    }

    public String getCompletionTime() {
        return completionTime;
    }

    public void setCompletionTime(String completionTime) {
        this.completionTime = completionTime;
    }

    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public Boolean getVerified() {
        return verified;
    }

    public void setVerified(Boolean verified) {
        this.verified = verified;
    }
}
