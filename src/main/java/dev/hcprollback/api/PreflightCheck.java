package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One item of a rollback's preflight checklist, as the plan shows it: what was checked, whether it
 * passed, and the figures it was decided on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PreflightCheck {

    @JsonPropertyDescription("The item, e.g. volumeCapacity/data-etcd-0, revertAdmission.")
    private String name;
    @JsonPropertyDescription("Whether it holds.")
    private Boolean passed;
    @JsonPropertyDescription("The figures and the reason, e.g. needs 259.0 MiB of 200.0 MiB.")
    private String detail;
    @JsonPropertyDescription("When it was last checked (RFC 3339): at planning, and again right before the point of no return.")
    private String checkTime;

    public PreflightCheck() {
    }

    public PreflightCheck(String name, boolean passed, String detail) {
        this.name = name;
        this.passed = passed;
        this.detail = detail;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Boolean getPassed() {
        return passed;
    }

    public void setPassed(Boolean passed) {
        this.passed = passed;
    }

    public String getDetail() {
        return detail;
    }

    public void setDetail(String detail) {
        this.detail = detail;
    }

    public String getCheckTime() {
        return checkTime;
    }

    public void setCheckTime(String checkTime) {
        this.checkTime = checkTime;
    }

    public boolean passed() {
        return Boolean.TRUE.equals(passed);
    }

    @Override
    public String toString() {
        return name + ": " + (passed() ? "pass" : "FAIL") + " (" + detail + ")";
    }
}
