package dev.hcprollback;

import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.SharedCSVMetadata;

/**
 * What the OLM bundle says about hcp-rollback. The bundle generator reads this at build time;
 * what it cannot express (webhooks, the Deployment as installed, examples) is added by
 * {@code dev.hcprollback.olm.BundleFinisher} from {@code manifests/base} and {@code config/samples}.
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
                @CSVMetadata.InstallMode(type = "MultiNamespace", supported = false) },
        requiredCRDs = {
                @CSVMetadata.RequiredCRD(kind = "HostedCluster", name = "hostedclusters.hypershift.openshift.io", version = "v1beta1"),
                @CSVMetadata.RequiredCRD(kind = "NodePool", name = "nodepools.hypershift.openshift.io", version = "v1beta1") })
public class OlmBundleMetadata implements SharedCSVMetadata {
}
