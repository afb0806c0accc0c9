package dev.hcprollback.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The OLM bundle committed under olm-bundle/ must be what the build generates (bundle generator
 * plus dev.hcprollback.olm.BundleFinisher), and must say what the installed sidecar needs. Runs
 * after package, against this build's target/bundle.
 */
class OlmBundleIT {

    private static final Path GENERATED = Path.of("target/bundle/hcp-rollback");
    private static final Path COMMITTED = Path.of("olm-bundle");
    private static final String CSV = "manifests/hcp-rollback.clusterserviceversion.yaml";

    @Test
    void committedBundleEqualsTheGeneratedOne() throws IOException {
        Set<String> generated = files(GENERATED);
        assertEquals(generated, files(COMMITTED), COMMITTED + " should hold exactly the generated files; refresh with: "
                + "rm -rf olm-bundle/manifests olm-bundle/metadata && cp -r " + GENERATED + "/. " + COMMITTED + "/");
        for (String file : generated) {
            Path built = GENERATED.resolve(file);
            Path kept = COMMITTED.resolve(file);
            if (file.endsWith(".yaml") || file.endsWith(".yml")) {
                String difference = ManifestsIT.firstDifference(Manifests.readOne(built), Manifests.readOne(kept), "");
                assertNull(difference, kept + " differs from the generated bundle at " + difference + "; refresh with: cp "
                        + built + " " + kept);
            } else {
                assertEquals(Files.readString(built), Files.readString(kept), kept + " differs; refresh with: cp " + built + " " + kept);
            }
        }
    }

    @Test
    void theCsvCarriesTheWebhooksAndReadsTheCertificateWhereOlmMountsIt() throws IOException {
        JsonNode csv = Manifests.readOne(GENERATED.resolve(CSV));
        JsonNode webhooks = Manifests.readOne(Manifests.BASE.resolve("validatingwebhookconfiguration.yaml")).get("webhooks");
        JsonNode definitions = csv.at("/spec/webhookdefinitions");
        assertEquals(webhooks.size(), definitions.size());
        for (int i = 0; i < webhooks.size(); i++) {
            assertEquals(webhooks.get(i).get("name").asText(), definitions.get(i).get("generateName").asText());
            assertEquals(webhooks.get(i).at("/clientConfig/service/path").asText(), definitions.get(i).get("webhookPath").asText());
            assertEquals("Fail", definitions.get(i).get("failurePolicy").asText());
            assertEquals("None", definitions.get(i).get("sideEffects").asText());
        }
        List<String> env = csv.at("/spec/install/spec/deployments/0/spec/template/spec/containers/0/env").findValuesAsText("value");
        assertTrue(env.contains("/tmp/k8s-webhook-server/serving-certs/tls.crt"), "the sidecar must read OLM's certificate: " + env);
        Set<String> required = csv.at("/spec/customresourcedefinitions/required").findValuesAsText("kind").stream()
                .collect(Collectors.toSet());
        assertEquals(Set.of("HostedCluster", "NodePool"), required);
        assertTrue(csv.at("/spec/installModes").toString().contains("{\"supported\":true,\"type\":\"AllNamespaces\"}"));
    }

    @Test
    void everyExampleIsOfAnOwnedKind() throws IOException {
        JsonNode csv = Manifests.readOne(GENERATED.resolve(CSV));
        JsonNode examples = new ObjectMapper().readTree(csv.at("/metadata/annotations/alm-examples").asText());
        Set<String> owned = csv.at("/spec/customresourcedefinitions/owned").findValuesAsText("kind").stream()
                .collect(Collectors.toSet());
        assertTrue(examples.size() >= 2, "an example of each of the project's kinds");
        for (JsonNode example : examples) {
            assertTrue(owned.contains(example.get("kind").asText()), example.get("kind") + " is not owned by the CSV: " + owned);
        }
    }

    private static Set<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(root::relativize).map(Path::toString)
                    .filter(name -> !name.equals("README.md"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
