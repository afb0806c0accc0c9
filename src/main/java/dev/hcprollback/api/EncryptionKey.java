package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One secret-encryption key a snapshot's data may be encrypted with, by identity: never the key itself. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EncryptionKey {

    @JsonPropertyDescription("AESCBC, AWS, Azure or IBMCloud.")
    private String provider;
    @JsonPropertyDescription("AESCBC: the key Secret's name; AWS: the key ARN; Azure: <keyVaultName>/<keyName>/<keyVersion>; IBMCloud: <crkID>/<instanceID>/<keyVersion>.")
    private String id;
    @JsonPropertyDescription("AESCBC: hex SHA-256 of the Secret's key bytes, as HyperShift published it in status.secretEncryption; absent when HyperShift published none.")
    private String fingerprint;
    @JsonPropertyDescription("Where the HostedCluster named the key, e.g. status.secretEncryption.activeKey.")
    private String source;

    public EncryptionKey() {
    }

    public EncryptionKey(String provider, String id, String fingerprint, String source) {
        this.provider = provider;
        this.id = id;
        this.fingerprint = fingerprint;
        this.source = source;
    }

    public String getProvider() {
        return provider;
    }

    public void setProvider(String provider) {
        this.provider = provider;
    }

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public String getFingerprint() {
        return fingerprint;
    }

    public void setFingerprint(String fingerprint) {
        this.fingerprint = fingerprint;
    }

    public String getSource() {
        return source;
    }

    public void setSource(String source) {
        this.source = source;
    }
}
