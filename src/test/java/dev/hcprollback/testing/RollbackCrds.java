package dev.hcprollback.testing;

import java.io.InputStream;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Registers the CRDs a rollback touches with a bare mock API server (tests without Quarkus), so that
 * the server keeps status apart from spec as a real one does: the project's two CRDs (status
 * subresource, any schema) and the test stand-ins of HostedCluster and NodePool.
 */
public final class RollbackCrds {

    private RollbackCrds() {
    }

    public static void install(KubernetesClient client) {
        client.resource(own("ControlPlaneRollback", "controlplanerollbacks")).create();
        client.resource(own("ControlPlaneSnapshot", "controlplanesnapshots")).create();
        client.resource(own("ControlPlaneUpdate", "controlplaneupdates")).create();
        for (String file : new String[] { "hostedclusters.hypershift.openshift.io.yaml", "nodepools.hypershift.openshift.io.yaml" }) {
            try (InputStream in = RollbackCrds.class.getResourceAsStream("/crds/" + file)) {
                client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static CustomResourceDefinition own(String kind, String plural) {
        String group = "rollback.hypershift.openshift.io";
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + "." + group).endMetadata()
                .withNewSpec().withGroup(group).withScope("Namespaced")
                .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase()).endNames()
                .addNewVersion().withName("v1alpha1").withServed(true).withStorage(true)
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema().endSchema()
                .endVersion()
                .endSpec().build();
    }
}
