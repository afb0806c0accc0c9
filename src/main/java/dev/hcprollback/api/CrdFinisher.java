package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.databind.node.TextNode;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsOrArray;

/**
 * Build time only ({@code quarkus.operator-sdk.crd.post-processor}): finishes each CRD fabric8's generator writes
 * from our kinds with what the generator's annotations cannot say, so that the committed CRDs stay generated:
 * <ul>
 * <li>the printer columns in the order the kind declares its {@link AdditionalPrinterColumn}s (identity, status,
 * {@code Age}, then the {@code -o wide} detail at priority 1): the generator sorts them by JSON path, and kubectl
 * prints them in the CRD's order;</li>
 * <li>the kind's {@link JsonClassDescription} as the root schema's description ({@code kubectl explain <kind>}); the
 * generator takes descriptions of properties only;</li>
 * <li>{@code status.conditions} in the shape of Kubernetes' {@code metav1.Condition}: a list map keyed by
 * {@code type} ({@code x-kubernetes-list-type: map}), so that the API server keeps one condition per type and
 * server-side apply merges them by type, with its fields' descriptions, required fields and limits (fabric8's
 * {@code Condition} class carries none of them).</li>
 * </ul>
 * A CRD of a kind this class does not know, or a declared column the generator did not write, fails the build.
 */
public class CrdFinisher implements CRDPostProcessor {

    /** Every kind of the project's API. */
    public static final List<Class<? extends HasMetadata>> KINDS = List.of(ControlPlaneSnapshot.class,
            ControlPlaneRollback.class, ControlPlaneUpdate.class);

    @Override
    public HasMetadata process(HasMetadata generated, String crdSpecVersion) {
        if (!(generated instanceof CustomResourceDefinition crd)) {
            throw new IllegalStateException("only apiextensions.k8s.io/v1 CRDs are generated, not " + generated.getApiVersion());
        }
        Class<? extends HasMetadata> kind = KINDS.stream()
                .filter(k -> HasMetadata.getFullResourceName(k).equals(crd.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new IllegalStateException("CRD " + crd.getMetadata().getName()
                        + " is of no kind CrdFinisher.KINDS lists: add its class there"));
        for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
            version.setAdditionalPrinterColumns(inDeclaredOrder(kind, version.getAdditionalPrinterColumns()));
            JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
            JsonClassDescription description = kind.getAnnotation(JsonClassDescription.class);
            if (description == null) {
                throw new IllegalStateException(kind.getSimpleName() + " needs a @JsonClassDescription: kubectl explain shows it");
            }
            root.setDescription(description.value());
            JSONSchemaProps status = root.getProperties().get("status");
            JSONSchemaProps conditions = status == null ? null : status.getProperties().get("conditions");
            if (conditions != null) {
                conditions.setItems(new JSONSchemaPropsOrArray(null, CONDITION));
                conditions.setXKubernetesListType("map");
                conditions.setXKubernetesListMapKeys(List.of("type"));
            }
        }
        return crd;
    }

    private static List<CustomResourceColumnDefinition> inDeclaredOrder(Class<?> kind,
            List<CustomResourceColumnDefinition> generated) {
        List<CustomResourceColumnDefinition> ordered = new ArrayList<>();
        for (AdditionalPrinterColumn declared : kind.getAnnotationsByType(AdditionalPrinterColumn.class)) {
            ordered.add(generated.stream().filter(c -> Objects.equals(c.getJsonPath(), declared.jsonPath())
                    && Objects.equals(c.getName(), declared.name())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the generator wrote no column " + declared.name() + " ("
                            + declared.jsonPath() + ") for " + kind.getSimpleName() + ": is a JSON path declared twice?")));
        }
        if (ordered.size() != generated.size()) {
            throw new IllegalStateException(kind.getSimpleName() + ": the generator wrote " + generated.size()
                    + " columns, the kind declares " + ordered.size());
        }
        return ordered;
    }

    /**
     * One item of {@code status.conditions}: the fields, limits and required set of Kubernetes' {@code metav1.Condition}
     * (k8s.io/apimachinery/pkg/apis/meta/v1), described for {@code kubectl explain}.
     */
    static final JSONSchemaProps CONDITION = new JSONSchemaPropsBuilder().withType("object")
            .withProperties(new TreeMap<>(Map.of(
                    "type", new JSONSchemaPropsBuilder().withType("string").withMaxLength(316L)
                            .withDescription("What is observed, e.g. Succeeded; one condition per type.").build(),
                    "status", new JSONSchemaPropsBuilder().withType("string")
                            .withEnum(List.of(new TextNode("True"),
                                    new TextNode("False"),
                                    new TextNode("Unknown")))
                            .withDescription("True, False or Unknown.").build(),
                    "reason", new JSONSchemaPropsBuilder().withType("string").withMinLength(1L).withMaxLength(1024L)
                            .withPattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
                            .withDescription("Why the status is what it is, in one CamelCase word, e.g. SwapJobFailed.")
                            .build(),
                    "message", new JSONSchemaPropsBuilder().withType("string").withMaxLength(32768L)
                            .withDescription("The same for people, in a sentence; may be empty.").build(),
                    "lastTransitionTime", new JSONSchemaPropsBuilder().withType("string").withFormat("date-time")
                            .withDescription("When the status last changed (RFC 3339).").build(),
                    "observedGeneration", new JSONSchemaPropsBuilder().withType("integer").withFormat("int64")
                            .withMinimum(0.0)
                            .withDescription("The metadata.generation of the object the condition was set on.").build())))
            .withRequired(List.of("lastTransitionTime", "message", "reason", "status", "type"))
            .build();
}
