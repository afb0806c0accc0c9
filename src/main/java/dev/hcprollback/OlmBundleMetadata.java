package dev.hcprollback;

import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.SharedCSVMetadata;

/**
 * What the OLM bundle says about hcp-rollback. The bundle generator reads this at build time;
 * what it cannot express (webhooks, the Deployment as installed, examples, HyperShift's APIs as
 * {@code nativeAPIs}, the released image) is added after the build by
 * {@code dev.hcprollback.bundle.BundleFinisher} (src/build/java) from {@code manifests/base} and
 * {@code config/}. No {@code requiredCRDs}: OLM resolves those only from a catalog bundle that owns
 * them, and HyperShift's CRDs come from its own installer.
 */
@CSVMetadata(bundleName = "hcp-rollback", displayName = "hcp-rollback",
        description = "Service-led z-stream rollback of HyperShift hosted control planes: an admission gate that "
                + "refuses every unbacked downgrade, verified etcd snapshots tagged with their payload, and an "
                + "automated in-place restore.",
        keywords = { "hypershift", "hosted control planes", "rollback", "etcd", "snapshot", "admission" },
        maturity = "alpha",
        minKubeVersion = "1.28.0",
        provider = @CSVMetadata.Provider(name = "hcp-rollback"),
        maintainers = @CSVMetadata.Maintainer(name = "hcp-rollback maintainers", email = "hcp-rollback@example.com"),
        annotations = @CSVMetadata.Annotations(capabilities = "Basic Install", categories = "OpenShift Optional"),
        installModes = {
                @CSVMetadata.InstallMode(type = "AllNamespaces", supported = true),
                @CSVMetadata.InstallMode(type = "OwnNamespace", supported = false),
                @CSVMetadata.InstallMode(type = "SingleNamespace", supported = false),
                @CSVMetadata.InstallMode(type = "MultiNamespace", supported = false) })
public class OlmBundleMetadata implements SharedCSVMetadata {
}
