package dev.hcprollback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The start-up check of the Azure Blob credential: no store is a warning (the webhook runs on), a credential set
 * wrong stops the start with what to change.
 */
class PrerequisitesStorageTest {

    private static Optional<Prerequisites.Finding> storage(Map<String, String> settings, Map<String, String> env) {
        return new Prerequisites(new SmallRyeConfigBuilder().withDefaultValues(settings).build(), env).storage();
    }

    @Test
    void aCredentialNotSpelledExactlyStopsTheStart() {
        assertEquals(Optional.of(new Prerequisites.Finding("storage", true, "hcp-rollback.storage.azure.credential="
                + "workload_identity (HCP_ROLLBACK_AZURE_CREDENTIAL) is not one of shared-key, workload-identity, "
                + "managed-identity")), storage(Map.of("hcp-rollback.storage.backend", "azure",
                        "hcp-rollback.storage.azure.credential", "workload_identity",
                        "hcp-rollback.storage.azure.account-name", "acct",
                        "hcp-rollback.storage.azure.account-key", "a2V5"), Map.of()));
    }

    @Test
    void aKeyBesideAnIdentityStopsTheStartRatherThanBeingUsed() {
        assertEquals(Optional.of(new Prerequisites.Finding("storage", true, "hcp-rollback.storage.azure.account-key "
                + "(HCP_ROLLBACK_AZURE_ACCOUNT_KEY) is set, but credential=managed-identity uses no key: remove it, or "
                + "set credential=shared-key")), storage(Map.of("hcp-rollback.storage.backend", "azure",
                        "hcp-rollback.storage.azure.credential", "managed-identity",
                        "hcp-rollback.storage.azure.account-name", "acct",
                        "hcp-rollback.storage.azure.account-key", "a2V5"), Map.of()));
    }

    @Test
    void aWorkloadIdentityWithoutTheWebhooksVariablesNamesThem() {
        assertEquals(Optional.of(new Prerequisites.Finding("storage", true, "credential=workload-identity, but "
                + "AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE are not set: the Azure Workload Identity webhook sets them "
                + "on pods labelled azure.workload.identity/use=true whose service account is annotated "
                + "azure.workload.identity/client-id (manifests/README.md)")),
                storage(Map.of("hcp-rollback.storage.backend", "azure",
                        "hcp-rollback.storage.azure.credential", "workload-identity",
                        "hcp-rollback.storage.azure.account-name", "acct"), Map.of("AZURE_CLIENT_ID", "c")));
    }

    @Test
    void aWorkloadIdentityWithItsTokenFileAndAnAccountPasses(@TempDir Path dir) throws Exception {
        Path token = java.nio.file.Files.writeString(dir.resolve("token"), "t");
        Map<String, String> env = Map.of("AZURE_CLIENT_ID", "c", "AZURE_TENANT_ID", "t",
                "AZURE_FEDERATED_TOKEN_FILE", token.toString());
        Map<String, String> settings = Map.of("hcp-rollback.storage.backend", "azure",
                "hcp-rollback.storage.azure.credential", "workload-identity");
        assertEquals(Optional.of(new Prerequisites.Finding("storage", false, "no Azure Blob account: set "
                + "hcp-rollback.storage.azure.account-name (HCP_ROLLBACK_AZURE_ACCOUNT_NAME); until then the webhook runs "
                + "but no snapshot is taken and no rollback can restore")), storage(settings, env));
        assertEquals(Optional.empty(), storage(new java.util.HashMap<>(settings) {
            {
                put("hcp-rollback.storage.azure.account-name", "acct");
            }
        }, env));
    }

    @Test
    void theSharedKeyStaysTheDefault() {
        assertEquals(Optional.empty(), storage(Map.of("hcp-rollback.storage.backend", "azure",
                "hcp-rollback.storage.azure.account-name", "acct", "hcp-rollback.storage.azure.account-key", "a2V5"),
                Map.of()));
    }
}
