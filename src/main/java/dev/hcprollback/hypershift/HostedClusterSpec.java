package dev.hcprollback.hypershift;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterSpec extends KeepsUnknownFields {

    private Release release;
    private Release controlPlaneRelease;
    private String pausedUntil;
    private SecretEncryption.Spec secretEncryption;
    private ManagedEtcd.Spec etcd;

    public Release getRelease() {
        return release;
    }

    public void setRelease(Release release) {
        this.release = release;
    }

    public Release getControlPlaneRelease() {
        return controlPlaneRelease;
    }

    public void setControlPlaneRelease(Release controlPlaneRelease) {
        this.controlPlaneRelease = controlPlaneRelease;
    }

    public String getPausedUntil() {
        return pausedUntil;
    }

    public void setPausedUntil(String pausedUntil) {
        this.pausedUntil = pausedUntil;
    }

    public SecretEncryption.Spec getSecretEncryption() {
        return secretEncryption;
    }

    public void setSecretEncryption(SecretEncryption.Spec secretEncryption) {
        this.secretEncryption = secretEncryption;
    }

    public ManagedEtcd.Spec getEtcd() {
        return etcd;
    }

    public void setEtcd(ManagedEtcd.Spec etcd) {
        this.etcd = etcd;
    }
}
