package dev.hcprollback.snapshot;

import java.io.InputStream;
import java.util.function.Consumer;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.testing.TestTools;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/** Puts the project's CRDs (generated from its classes) and a small HostedCluster CRD into the mock API server. */
public class CrdSetup implements Consumer<KubernetesServer> {

    @Override
    public void accept(KubernetesServer server) {
        KubernetesClient client = server.getClient();
        java.nio.file.Path dir = null;
        try {
            dir = java.nio.file.Files.createTempDirectory("crds");
            new CRDGenerator().customResourceClasses(ControlPlaneSnapshot.class, ControlPlaneRollback.class)
                    .forCRDVersions("v1").inOutputDir(dir.toFile()).generate();
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path file : files.toList()) {
                    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
                        apply(client, in);
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            if (dir != null) {
                TestTools.deleteRecursively(dir);
            }
        }
        try (InputStream hostedClusters = CrdSetup.class.getResourceAsStream("/crds/hostedclusters.yaml")) {
            apply(client, hostedClusters);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void apply(KubernetesClient client, InputStream yaml) {
        CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(yaml, CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
}
