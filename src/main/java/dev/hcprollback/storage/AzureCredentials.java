package dev.hcprollback.storage;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.util.Configuration;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.ClientAssertionCredentialBuilder;

/**
 * The credential {@code hcp-rollback.storage.azure.credential} names, checked before it is used: a value not spelled
 * exactly, a key given to an identity, or a workload identity without its variables or token file is refused with
 * what to change, never replaced by another credential.
 */
public final class AzureCredentials {

    /** The accepted values of {@code hcp-rollback.storage.azure.credential}. */
    public enum Kind {
        SHARED_KEY("shared-key"),
        WORKLOAD_IDENTITY("workload-identity"),
        MANAGED_IDENTITY("managed-identity");

        public final String setting;

        Kind(String setting) {
            this.setting = setting;
        }

        /** No shared key: tokens from Microsoft Entra ID, and user-delegation SAS for read URLs. */
        public boolean isIdentity() {
            return this != SHARED_KEY;
        }
    }

    /**
     * The Azure settings that choose a credential, whichever way they were read (the mapped configuration, or the raw
     * one the start-up check reads before Quarkus starts); blank values count as unset.
     */
    public record Settings(String credential, Optional<String> endpoint, Optional<String> accountName,
            Optional<String> accountKey, Optional<String> connectionString, Optional<String> managedIdentityClientId) {
    }

    /** The variables the Azure Workload Identity webhook injects into a pod labelled {@code azure.workload.identity/use}. */
    static final String CLIENT_ID = "AZURE_CLIENT_ID";
    static final String TENANT_ID = "AZURE_TENANT_ID";
    static final String TOKEN_FILE = "AZURE_FEDERATED_TOKEN_FILE";
    static final String AUTHORITY_HOST = "AZURE_AUTHORITY_HOST";
    /** Microsoft Entra ID of the public cloud, where AZURE_AUTHORITY_HOST is unset (as azure-identity defaults it). */
    static final String PUBLIC_AUTHORITY = "https://login.microsoftonline.com/";

    private AzureCredentials() {
    }

    /** The kind {@code value} names exactly, else the refusal naming the setting and the accepted values. */
    public static Kind kind(String value) {
        return Arrays.stream(Kind.values()).filter(k -> k.setting.equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("hcp-rollback.storage.azure.credential="
                        + (value == null ? "" : value) + " (HCP_ROLLBACK_AZURE_CREDENTIAL) is not one of "
                        + Arrays.stream(Kind.values()).map(k -> k.setting).collect(Collectors.joining(", "))));
    }

    /**
     * Why {@code settings} with the process environment {@code env} cannot give the credential they name: one line
     * saying what to change, or empty when they can. An absent account is not a refusal (the sidecar runs without a
     * store); a contradiction or a broken identity is.
     */
    public static Optional<String> refusal(Settings settings, Map<String, String> env) {
        Kind kind;
        try {
            kind = kind(settings.credential());
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        List<String> wrong = new ArrayList<>();
        if (kind.isIdentity()) {
            settings.accountKey().filter(AzureCredentials::set).ifPresent(
                    v -> wrong.add("hcp-rollback.storage.azure.account-key (HCP_ROLLBACK_AZURE_ACCOUNT_KEY) is set"));
            settings.connectionString().filter(AzureCredentials::set).ifPresent(v -> wrong.add(
                    "hcp-rollback.storage.azure.connection-string (HCP_ROLLBACK_AZURE_CONNECTION_STRING) is set"));
            if (!wrong.isEmpty()) {
                return Optional.of(String.join(" and ", wrong) + ", but credential=" + kind.setting
                        + " uses no key: remove it, or set credential=shared-key");
            }
        } else if (settings.managedIdentityClientId().filter(AzureCredentials::set).isPresent()) {
            return Optional.of("hcp-rollback.storage.azure.managed-identity-client-id is set, but credential="
                    + kind.setting + ": set credential=managed-identity, or remove it");
        }
        if (kind == Kind.WORKLOAD_IDENTITY) {
            for (String variable : List.of(CLIENT_ID, TENANT_ID, TOKEN_FILE)) {
                if (!set(env.get(variable))) {
                    wrong.add(variable);
                }
            }
            if (!wrong.isEmpty()) {
                return Optional.of("credential=workload-identity, but " + String.join(", ", wrong)
                        + (wrong.size() == 1 ? " is" : " are") + " not set: the Azure Workload Identity webhook sets "
                        + "them on pods labelled azure.workload.identity/use=true whose service account is annotated "
                        + "azure.workload.identity/client-id (manifests/README.md)");
            }
            Path tokenFile = Path.of(env.get(TOKEN_FILE));
            if (!Files.isReadable(tokenFile)) {
                return Optional.of("credential=workload-identity, but the federated token file " + tokenFile + " ("
                        + TOKEN_FILE + ") " + (Files.exists(tokenFile) ? "cannot be read" : "does not exist")
                        + ": the webhook mounts the service account's projected token there");
            }
            String authority = authorityHost(env);
            URI uri;
            try {
                uri = URI.create(authority);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (uri == null || !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                return Optional.of(AUTHORITY_HOST + "=" + authority + " is not an https URL");
            }
        }
        return Optional.empty();
    }

    /** The Entra ID host a workload identity exchanges its token with: AZURE_AUTHORITY_HOST, else the public cloud's. */
    static String authorityHost(Map<String, String> env) {
        return Optional.ofNullable(env.get(AUTHORITY_HOST)).filter(AzureCredentials::set).orElse(PUBLIC_AUTHORITY);
    }

    /**
     * The token credential of an identity kind, its requests to Entra ID (or the metadata service) sent by {@code http}.
     *
     * @throws IllegalStateException with {@link #refusal}'s message when the settings are refused
     */
    static TokenCredential token(Settings settings, Map<String, String> env, HttpClient http) {
        refusal(settings, env).ifPresent(message -> {
            throw new IllegalStateException(message);
        });
        return switch (kind(settings.credential())) {
            // azure-identity's WorkloadIdentityCredential (1.14) posts the exchange with HttpURLConnection, past the
            // HTTP client given to it: neither our proxy nor our timeouts. The same exchange as a client assertion
            // goes through MSAL on that client; the token file is read at each exchange, as the kubelet rotates it
            case WORKLOAD_IDENTITY -> new ClientAssertionCredentialBuilder()
                    // only what is passed here: azure-identity must not read AZURE_* variables on its own. First, as
                    // setting a configuration resets the authority host from it (to the public cloud's, from NONE)
                    .configuration(Configuration.NONE)
                    .clientId(env.get(CLIENT_ID)).tenantId(env.get(TENANT_ID))
                    .clientAssertion(() -> serviceAccountToken(Path.of(env.get(TOKEN_FILE))))
                    .authorityHost(authorityHost(env))
                    // the authority is the webhook's AZURE_AUTHORITY_HOST, used as given: instance discovery would
                    // first ask the public cloud's discovery endpoint about it, which a sovereign cloud or a
                    // restricted egress need not reach
                    .disableInstanceDiscovery()
                    .httpClient(http).build();
            case MANAGED_IDENTITY -> {
                ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder().httpClient(http);
                settings.managedIdentityClientId().filter(AzureCredentials::set).ifPresent(builder::clientId);
                yield builder.build();
            }
            case SHARED_KEY -> throw new IllegalArgumentException("credential=shared-key has no token");
        };
    }

    private static String serviceAccountToken(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the federated token file " + file + " ("
                    + TOKEN_FILE + "): " + e.getMessage(), e);
        }
    }

    private static boolean set(String value) {
        return value != null && !value.isBlank();
    }
}
