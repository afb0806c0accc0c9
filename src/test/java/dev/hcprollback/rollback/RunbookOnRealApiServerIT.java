package dev.hcprollback.rollback;

import static dev.hcprollback.testing.Caller.ADMIN;
import static dev.hcprollback.testing.Caller.HYPERSHIFT;
import static dev.hcprollback.testing.Caller.SIDECAR;
import static dev.hcprollback.testing.Caller.SRE;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.RealAdmission.Expect.admitted;
import static dev.hcprollback.testing.RealAdmission.Expect.passes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.ApiRequest;
import dev.hcprollback.testing.Caller;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.HyperShiftSimulator;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.RealAdmission;
import dev.hcprollback.testing.RealAdmission.Expect;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.RealObjects;
import dev.hcprollback.testing.RealObjects.Kind;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Every command of {@code docs/runbook.md} that writes, sent as kubectl sends it, by the user the runbook names, in
 * the situation the runbook describes, against the install with its webhooks routed to a running sidecar. A row is
 * one command: it must succeed (a matchCondition that errors, a webhook refusal or RBAC would make an administrator's
 * recovery step fail) and have the effect the runbook promises. {@link #everyWritingCommandOfTheRunbookHasARow} keeps
 * the rows and the runbook's commands the same set.
 *
 * <p>Each row has a HostedCluster of its own, named in the row, left as the runbook's section finds it: on 4.18.6
 * after 4.18.5, with its rollback point (verified, written by the sidecar), an SRE's request annotations, a Failed
 * rollback record with the rollback controller's finalizer and, where the command needs it, its control plane as
 * HyperShift creates it (API servers at 0 replicas, etcd with three volumes).
 */
class RunbookOnRealApiServerIT {

    private static final String NAMESPACE = "runbook";
    private static final Path RUNBOOK = Path.of("docs", "runbook.md");
    /** JOSDK's finalizer on every record of the rollback controller. */
    private static final String FINALIZER = "controlplanerollbacks.rollback.hypershift.openshift.io/finalizer";
    private static final String EXPANDABLE = "runbook-expandable";
    private static final String RESTORED_ETCD_IMAGE = HyperShiftSimulator.OLDER_ETCD_IMAGE;

    private static RealManagementCluster cluster;
    private static RealAdmission admission;
    private static KubernetesClient operator;
    private static HyperShiftSimulator hyperShift;
    private static int sidecarReplicas;

    // --- the situation a row finds ---

    /** A HostedCluster left by a failed rollback, and what the runbook's section finds around it. */
    static final class Scene {

        final String cluster;
        private boolean paused = true;
        private String failureReason = "SwapJobFailed";
        private boolean controlPlane;
        private boolean running;
        private Consumer<Scene> then = scene -> {
        };
        /** What a row's setup hands to its request and effect: an exported Job, the uid of the one it replaces. */
        JsonNode carried;
        String replacedUid;

        Scene(String cluster) {
            this.cluster = cluster;
        }

        /** Refused or undone before the point of no return: running as before, not paused. */
        Scene undone(String reason) {
            paused = false;
            failureReason = reason;
            return this;
        }

        /** Failed past the point of no return with {@code reason}: left paused for an SRE. */
        Scene failedPast(String reason) {
            failureReason = reason;
            return this;
        }

        /** Still running, paused, in Stage: before its point of no return. */
        Scene running() {
            running = true;
            return this;
        }

        Scene withControlPlane() {
            controlPlane = true;
            return this;
        }

        /** What the runbook's earlier steps did before this command. */
        Scene then(Consumer<Scene> step) {
            then = then.andThen(step);
            return this;
        }

        String controlPlaneNamespace() {
            return NAMESPACE + "-" + cluster;
        }

        String record() {
            return cluster + "-to-4-18-5";
        }

        String object(String path) {
            return path.replace("NS", NAMESPACE).replace("CP", controlPlaneNamespace()).replace("HC", cluster)
                    .replace("RECORD", record());
        }

        /** The cluster, its rollback point (the sidecar's) and its control plane (HyperShift's). */
        void put() {
            ObjectNode hostedCluster = RealObjects.hostedCluster(HostedClusters.onSixAfterFive(cluster), NAMESPACE);
            if (paused) {
                ((ObjectNode) hostedCluster.get("spec")).put("pausedUntil", "true");
            }
            ObjectNode stored = RealObjects.put(RunbookOnRealApiServerIT.cluster.server(), ADMIN, HYPERSHIFT, hostedCluster);
            RealObjects.put(server(), SIDECAR, RealObjects.verifiedSnapshot(cluster + "-point", stored, "4.18.5",
                    tag("4.18.5"), Instant.now().minus(Duration.ofHours(3))));
            if (controlPlane) {
                try (KubernetesClient admin = RunbookOnRealApiServerIT.cluster.client(TestUser.ADMIN)) {
                    hyperShift.createControlPlane(admin.resources(HostedCluster.class).inNamespace(NAMESPACE)
                            .withName(cluster).get(), Map.of("kube-apiserver", 0, "openshift-apiserver", 0), 3);
                }
            }
        }

        /**
         * Once the sidecar sees the rollback point: the SRE's request (admitted), the record the sidecar filed from it
         * and wrote Failed, and what the runbook's steps before this command did.
         */
        void putOnceSeen() {
            ApiRequest ask = ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, cluster),
                    json("{\"metadata\":{\"annotations\":{\"rollback.hypershift.openshift.io/to-version\":\"4.18.5\","
                            + "\"rollback.hypershift.openshift.io/reason\":\"INC-4711: API server crash-loops\"}}}"));
            Awaitility.await("the SRE's rollback request on " + cluster + " is admitted (the sidecar sees its rollback point)")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> SRE.send(server(), ask).succeeded());
            ObjectNode record = RealObjects.rollbackRecord(NAMESPACE, record(), cluster, "4.18.5", cluster + "-point",
                    SRE.username());
            ((ObjectNode) record.get("metadata")).putArray("finalizers").add(FINALIZER);
            ObjectNode status = running ? record.putObject("status").put("phase", "Running").put("currentStep", "Stage")
                    .put("pointOfNoReturn", false) : record.putObject("status").put("phase", "Failed")
                    .put("failureReason", failureReason).put("pointOfNoReturn", paused)
                    .put("message", "written as the runbook's section finds it");
            if (paused && !running) {
                status.put("etcdImage", RESTORED_ETCD_IMAGE).put("etcdImageBefore", HyperShiftSimulator.ETCD_IMAGE);
                status.putArray("recordedReplicas").add(json("{\"kind\":\"Deployment\",\"name\":\"kube-apiserver\","
                        + "\"replicas\":3}")).add(json("{\"kind\":\"StatefulSet\",\"name\":\"etcd\",\"replicas\":3}"));
            }
            RealObjects.put(server(), SIDECAR, record);
            then.accept(this);
        }

        @Override
        public String toString() {
            if (running) {
                return cluster + " (running, paused, in Stage before the point of no return)";
            }
            return cluster + (paused ? " (paused after the point of no return, " : " (undone, ") + failureReason + ")";
        }
    }

    // --- the rows ---

    /**
     * One command of the runbook: its section, its exact text there, who runs it, the request kubectl sends, what the
     * API server does with it, and the change the runbook expects.
     */
    record Row(String section, String command, Caller user, Scene scene, Function<Scene, ApiRequest> request, Kind kind,
            int successStatus, Expect expected, Consumer<Scene> effect) {

        @Override
        public String toString() {
            return section + ": " + user + " runs `" + command + "` on " + scene + " → " + expected;
        }
    }

    private static final String SWAP_JOB = "etcd-1-swap";

    static final List<Row> ROWS = List.of(
            new Row("Lift a payload quarantine", "kubectl -n NS annotate hostedcluster HC "
                    + "rollback.hypershift.openshift.io/quarantine-lifted-by=<your user name>", SRE,
                    new Scene("quarantined").undone("NotEligible").then(scene -> {
                        ObjectNode patch = JsonNodeFactory.instance.objectNode();
                        patch.putObject("metadata").putObject("annotations").put(
                                "rollback.hypershift.openshift.io/quarantined-payload", "{\"image\":\"" + tag("4.18.6")
                                        + "\",\"version\":\"4.18.6\",\"rollback\":\"" + scene.record() + "\"}");
                        ApiRequest.Answer answer = SIDECAR.send(server(), ApiRequest.mergePatch(
                                Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster), patch));
                        assertTrue(answer.succeeded(), "the sidecar quarantines 4.18.6: " + answer);
                    }),
                    scene -> ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster), json(
                            "{\"metadata\":{\"annotations\":{\"rollback.hypershift.openshift.io/quarantine-lifted-by\":\""
                                    + SRE.username() + "\"}}}")),
                    Kind.HOSTED_CLUSTER, 200, admitted("quarantine-lifted"),
                    scene -> assertEquals(SRE.username(), get(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster))
                            .at("/metadata/annotations/rollback.hypershift.openshift.io~1quarantine-lifted-by").asText())),
            new Row("Cancel a rollback", "kubectl -n NS annotate hostedcluster HC rollback.hypershift.openshift.io/cancel="
                    + "\"$(kubectl auth whoami -o jsonpath='{.status.userInfo.username}')\"", SRE, new Scene("cancelled").running(),
                    scene -> ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster), json(
                            "{\"metadata\":{\"annotations\":{\"rollback.hypershift.openshift.io/cancel\":\""
                                    + SRE.username() + "\"}}}")),
                    Kind.HOSTED_CLUSTER, 200, admitted("cancel-recorded"),
                    scene -> assertEquals(SRE.username(), get(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster))
                            .at("/metadata/annotations/rollback.hypershift.openshift.io~1cancel").asText())),
            // HyperShift's force-upgrade-to is no payload lever (HostedCluster.IMAGE_ANNOTATIONS): the webhook is not asked
            new Row("Verify timed out (VerifyTimeout)", "kubectl -n NS annotate hc HC hypershift.openshift.io/force-upgrade-to-",
                    SRE, new Scene("reforced").failedPast("VerifyTimeout").then(scene -> {
                        ApiRequest.Answer answer = ADMIN.send(server(), ApiRequest.mergePatch(
                                Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster), json("{\"metadata\":{\"annotations\":"
                                        + "{\"hypershift.openshift.io/force-upgrade-to\":\"" + tag("4.18.6") + "\"}}}")));
                        assertTrue(answer.succeeded(), "the service forces 4.18.6 again after the Revert: " + answer);
                    }),
                    scene -> ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster), json(
                            "{\"metadata\":{\"annotations\":{\"hypershift.openshift.io/force-upgrade-to\":null}}}")),
                    Kind.HOSTED_CLUSTER, 200, passes(),
                    scene -> assertFalse(get(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster)).at("/metadata/annotations")
                            .has("hypershift.openshift.io/force-upgrade-to"), "force-upgrade-to removed")),
            new Row("Refused before anything started", "kubectl -n NS annotate hostedcluster HC "
                    + "rollback.hypershift.openshift.io/to-version- rollback.hypershift.openshift.io/reason-", SRE,
                    new Scene("withdrawn").undone("NotEligible"),
                    scene -> ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster), json(
                            "{\"metadata\":{\"annotations\":{\"rollback.hypershift.openshift.io/to-version\":null,"
                                    + "\"rollback.hypershift.openshift.io/reason\":null}}}")),
                    Kind.HOSTED_CLUSTER, 200, admitted("request-recorded"),
                    scene -> {
                        JsonNode annotations = get(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster)).at("/metadata/annotations");
                        assertFalse(annotations.has("rollback.hypershift.openshift.io/to-version"), annotations.toString());
                        assertFalse(annotations.has("rollback.hypershift.openshift.io/reason"), annotations.toString());
                    }),
            new Row("Refused by the preflight (PreflightFailed)", "kubectl -n CP patch pvc data-etcd-N -p "
                    + "'{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"16Gi\"}}}}'", ADMIN,
                    new Scene("grown").undone("PreflightFailed").withControlPlane().then(scene -> bind(scene, "data-etcd-0")),
                    scene -> ApiRequest.strategicMergePatch(pvc(scene, "data-etcd-0"),
                            json("{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"16Gi\"}}}}")),
                    null, 200, passes(),
                    scene -> assertEquals("16Gi", get(pvc(scene, "data-etcd-0")).at("/spec/resources/requests/storage").asText())),
            new Row("Refused by the preflight (PreflightFailed)", "kubectl -n CP delete job hcp-rollback-probe-<hash>", ADMIN,
                    new Scene("reprobed").undone("PreflightFailed").withControlPlane()
                            .then(scene -> createJob(scene, "hcp-rollback-probe-3f9a0c1d")),
                    scene -> deleteInBackground(job(scene, "hcp-rollback-probe-3f9a0c1d")), null, 200, passes(),
                    scene -> assertGone(job(scene, "hcp-rollback-probe-3f9a0c1d"))),
            new Row("Swap failed (SwapJobFailed, SwapTimeout)", "kubectl -n CP delete job <job>", ADMIN,
                    new Scene("swap-deleted").withControlPlane().then(scene -> createJob(scene, SWAP_JOB)),
                    scene -> deleteInBackground(job(scene, SWAP_JOB)), null, 200, passes(),
                    scene -> assertGone(job(scene, SWAP_JOB))),
            new Row("Swap failed (SwapJobFailed, SwapTimeout)", "kubectl -n CP create -f job.json", ADMIN,
                    new Scene("swap-recreated").withControlPlane().then(scene -> {
                        createJob(scene, SWAP_JOB);
                        JsonNode failed = get(job(scene, SWAP_JOB));
                        scene.replacedUid = failed.at("/metadata/uid").asText();
                        scene.carried = exportedAsTheRunbookDoes(failed);
                        assertTrue(ADMIN.send(server(), deleteInBackground(job(scene, SWAP_JOB))).succeeded());
                        Awaitility.await(SWAP_JOB + " gone").atMost(Duration.ofSeconds(60))
                                .until(() -> ADMIN.send(server(), ApiRequest.get(job(scene, SWAP_JOB))).status() == 404);
                    }),
                    scene -> ApiRequest.create(scene.object("/apis/batch/v1/namespaces/CP/jobs"), scene.carried), null, 201,
                    passes(),
                    scene -> {
                        JsonNode job = get(job(scene, SWAP_JOB));
                        assertNotEquals(scene.replacedUid, job.at("/metadata/uid").asText(), "a new Job");
                        assertEquals(scene.carried.at("/spec/template/spec/containers"), job.at("/spec/template/spec/containers"));
                    }),
            new Row("Swap failed (SwapJobFailed, SwapTimeout)", "kubectl -n CP set image statefulset/etcd etcd=<status.etcdImage>",
                    ADMIN, new Scene("etcd-image").withControlPlane().then(scene -> scale(scene, "statefulsets/etcd", 0)),
                    scene -> ApiRequest.strategicMergePatch(scene.object("/apis/apps/v1/namespaces/CP/statefulsets/etcd"),
                            json("{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"etcd\"},"
                                    + "{\"name\":\"healthz\"}],\"containers\":[{\"image\":\"" + RESTORED_ETCD_IMAGE
                                    + "\",\"name\":\"etcd\"}]}}}}")),
                    null, 200, passes(),
                    scene -> {
                        JsonNode containers = get(scene.object("/apis/apps/v1/namespaces/CP/statefulsets/etcd"))
                                .at("/spec/template/spec/containers");
                        assertEquals(RESTORED_ETCD_IMAGE, containers.at("/0/image").asText(), containers.toString());
                        assertEquals("healthz", containers.at("/1/name").asText(), containers.toString());
                    }),
            new Row("Swap failed (SwapJobFailed, SwapTimeout)", "kubectl -n CP scale statefulset/etcd --replicas=<recorded>",
                    ADMIN, new Scene("etcd-scaled").withControlPlane().then(scene -> scale(scene, "statefulsets/etcd", 0)),
                    scene -> scaleRequest(scene, "statefulsets/etcd", 3), null, 200, passes(),
                    scene -> assertEquals(3, get(scene.object("/apis/apps/v1/namespaces/CP/statefulsets/etcd"))
                            .at("/spec/replicas").asInt())),
            new Row("No quorum, or not the restored cluster (StartEtcdTimeout, EtcdMismatch)",
                    "kubectl -n NS patch hostedcluster HC --type merge -p '{\"spec\":{\"release\":{\"image\":\"<to image>\"}}}'",
                    SRE, new Scene("reverted").then(scene -> failedAs(scene, "StartEtcdTimeout")),
                    scene -> ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster),
                            json("{\"spec\":{\"release\":{\"image\":\"" + tag("4.18.5") + "\"}}}")),
                    Kind.HOSTED_CLUSTER, 200, admitted("rollback-admitted"),
                    scene -> assertEquals(tag("4.18.5"),
                            get(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster)).at("/spec/release/image").asText())),
            new Row("No quorum, or not the restored cluster (StartEtcdTimeout, EtcdMismatch)",
                    "kubectl -n CP scale deployment/<name> --replicas=<recorded>", ADMIN,
                    new Scene("api-scaled").withControlPlane().then(scene -> failedAs(scene, "StartEtcdTimeout")),
                    scene -> scaleRequest(scene, "deployments/kube-apiserver", 3), null, 200, passes(),
                    scene -> assertEquals(3, get(scene.object("/apis/apps/v1/namespaces/CP/deployments/kube-apiserver"))
                            .at("/spec/replicas").asInt())),
            new Row("No quorum, or not the restored cluster (StartEtcdTimeout, EtcdMismatch)",
                    "kubectl -n NS patch hostedcluster HC --type merge -p '{\"spec\":{\"pausedUntil\":null}}'", SRE,
                    new Scene("resumed").then(scene -> failedAs(scene, "StartEtcdTimeout")),
                    scene -> ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster),
                            json("{\"spec\":{\"pausedUntil\":null}}")),
                    Kind.HOSTED_CLUSTER, 200, passes(),
                    scene -> assertTrue(get(Kind.HOSTED_CLUSTER.object(NAMESPACE, scene.cluster)).at("/spec/pausedUntil")
                            .isMissingNode(), "unpaused")),
            new Row("The sidecar itself", "kubectl -n hcp-rollback scale deployment/hcp-rollback --replicas=0", ADMIN,
                    new Scene("sidecar-stopped"),
                    scene -> ApiRequest.mergePatch(sidecarDeployment() + "/scale", json("{\"spec\":{\"replicas\":0}}")), null,
                    200, passes(),
                    scene -> assertEquals(0, get(sidecarDeployment()).at("/spec/replicas").asInt())),
            new Row("The sidecar itself",
                    "kubectl -n NS patch cprb <name> --type merge -p '{\"metadata\":{\"finalizers\":null}}'", SRE,
                    new Scene("unfinalized").then(scene -> assertTrue(SRE.send(server(),
                            ApiRequest.delete(Kind.ROLLBACK.object(NAMESPACE, scene.record()))).succeeded())),
                    scene -> ApiRequest.mergePatch(Kind.ROLLBACK.object(NAMESPACE, scene.record()),
                            json("{\"metadata\":{\"finalizers\":null}}")),
                    Kind.ROLLBACK, 200, passes(),
                    scene -> assertGone(Kind.ROLLBACK.object(NAMESPACE, scene.record()))),
            new Row("Rollback failed", "kubectl -n NS delete cprb <name>", SRE, new Scene("record-deleted"),
                    scene -> deleteInBackground(Kind.ROLLBACK.object(NAMESPACE, scene.record())), Kind.ROLLBACK, 200,
                    passes(),
                    // the rollback controller drops its finalizer from a record that has ended; none runs here
                    scene -> assertTrue(get(Kind.ROLLBACK.object(NAMESPACE, scene.record())).has("metadata")
                            && get(Kind.ROLLBACK.object(NAMESPACE, scene.record())).at("/metadata/deletionTimestamp")
                                    .isTextual(), "marked for deletion")));

    static Stream<Row> rows() {
        return ROWS.stream();
    }

    @BeforeAll
    static void everySituationWrittenWithTheWebhooksRoutedToASidecar() throws Exception {
        cluster = RealManagementCluster.fresh("runbook-it", NAMESPACE);
        SidecarProcess sidecar = cluster.startSidecar("sidecar", RealAdmission.sidecarConfig(Map.of()));
        cluster.routeWebhooksTo(sidecar);
        admission = new RealAdmission(cluster.server(), sidecar);
        sidecarReplicas = get(sidecarDeployment()).at("/spec/replicas").asInt();
        // the StorageClass of etcd's volumes, as a cloud's CSI driver ships it: volumes may grow
        assertTrue(ADMIN.send(server(), ApiRequest.apply("/apis/storage.k8s.io/v1/storageclasses/" + EXPANDABLE,
                json("{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"" + EXPANDABLE
                        + "\"},\"provisioner\":\"ebs.csi.aws.com\",\"allowVolumeExpansion\":true}"))).succeeded());
        operator = cluster.client(TestUser.HYPERSHIFT_OPERATOR);
        hyperShift = new HyperShiftSimulator(operator, NAMESPACE, Clock.systemUTC());
        hyperShift.etcdStorageClass = EXPANDABLE;
        ROWS.forEach(row -> row.scene().put());
        ROWS.forEach(row -> row.scene().putOnceSeen());
    }

    @AfterAll
    static void removeTheWebhooksAndStopTheSidecar() {
        if (cluster != null) {
            ADMIN.send(server(), ApiRequest.mergePatch(sidecarDeployment() + "/scale",
                    json("{\"spec\":{\"replicas\":" + sidecarReplicas + "}}")));
            cluster.close();
        }
        if (operator != null) {
            operator.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theRunbookCommandSucceedsAsTheUserItNames(Row row) {
        admission.check(row.toString(), row.user(), row.request().apply(row.scene()), row.kind(), row.successStatus(),
                row.expected());
        row.effect().accept(row.scene());
    }

    @Test
    void everyWritingCommandOfTheRunbookHasARow() throws IOException {
        Set<String> rows = ROWS.stream().map(Row::command).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(writingCommands(Files.readAllLines(RUNBOOK)), rows,
                "every command of " + RUNBOOK + " that writes has a row here, and every row is a command there");
    }

    // --- the runbook's commands ---

    private static final Pattern WRITES = Pattern.compile(
            "^kubectl(?: -n \\S+)? (?:annotate|label|patch|scale|delete|create|set|apply|edit|replace|rollout)\\b.*");
    private static final Pattern CODE_SPAN = Pattern.compile("`(kubectl [^`]+)`");

    /** The kubectl commands of the runbook that write: in code spans and code blocks, without their comments. */
    static Set<String> writingCommands(List<String> lines) {
        Set<String> commands = new TreeSet<>();
        boolean inBlock = false;
        for (String line : lines) {
            String trimmed = line.trim();
            if (trimmed.startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            if (inBlock) {
                String command = trimmed.replaceFirst("\\s+#.*$", "");
                if (WRITES.matcher(command).matches()) {
                    commands.add(command);
                }
                continue;
            }
            Matcher span = CODE_SPAN.matcher(line);
            while (span.find()) {
                if (WRITES.matcher(span.group(1)).matches()) {
                    commands.add(span.group(1));
                }
            }
        }
        return commands;
    }

    // --- what the rows' situations and effects are made of ---

    private static dev.hcprollback.testing.KubeApiServer server() {
        return cluster.server();
    }

    /** The object as a cluster administrator reads it; fails on anything but 200. */
    private static JsonNode get(String path) {
        ApiRequest.Answer answer = ADMIN.send(server(), ApiRequest.get(path));
        assertEquals(200, answer.status(), "GET " + path + ": " + answer);
        return answer.body();
    }

    private static void assertGone(String path) {
        ApiRequest.Answer answer = ADMIN.send(server(), ApiRequest.get(path));
        assertEquals(404, answer.status(), "GET " + path + " after the command: " + answer);
    }

    /** {@code kubectl delete}: the object, its dependents by the garbage collector afterwards. */
    private static ApiRequest deleteInBackground(String path) {
        return ApiRequest.delete(path + "?propagationPolicy=Background");
    }

    /** {@code kubectl scale}: a merge patch of the scale subresource. */
    private static ApiRequest scaleRequest(Scene scene, String workload, int replicas) {
        return ApiRequest.mergePatch(scene.object("/apis/apps/v1/namespaces/CP/" + workload + "/scale"),
                json("{\"spec\":{\"replicas\":" + replicas + "}}"));
    }

    /** What the sidecar did during the rollback: {@code workload} scaled to {@code replicas}. */
    private static void scale(Scene scene, String workload, int replicas) {
        ApiRequest.Answer answer = SIDECAR.send(server(), scaleRequest(scene, workload, replicas));
        assertTrue(answer.succeeded(), "the sidecar scales " + workload + ": " + answer);
    }

    /** The record's failure, as the sidecar writes it. */
    private static void failedAs(Scene scene, String reason) {
        ApiRequest.Answer answer = SIDECAR.send(server(), ApiRequest.mergePatch(
                Kind.ROLLBACK.status(NAMESPACE, scene.record()), json("{\"status\":{\"failureReason\":\"" + reason + "\"}}")));
        assertTrue(answer.succeeded(), "the sidecar writes the failure: " + answer);
    }

    private static String pvc(Scene scene, String name) {
        return scene.object("/api/v1/namespaces/CP/persistentvolumeclaims/" + name);
    }

    private static String job(Scene scene, String name) {
        return scene.object("/apis/batch/v1/namespaces/CP/jobs/" + name);
    }

    private static String sidecarDeployment() {
        return "/apis/apps/v1/namespaces/" + Install.NAMESPACE + "/deployments/hcp-rollback";
    }

    /** The volume bound, as the PV controller reports it once the driver provisioned it. */
    private static void bind(Scene scene, String name) {
        ObjectNode claim = (ObjectNode) get(pvc(scene, name));
        claim.putObject("status").put("phase", "Bound").putObject("capacity").put("storage", "8Gi");
        ApiRequest.Answer answer = HYPERSHIFT.send(server(), ApiRequest.replace(pvc(scene, name) + "/status", claim));
        assertTrue(answer.succeeded(), "bind " + name + ": " + answer);
    }

    /** A Job of the sidecar's in the control-plane namespace: one container, run once. */
    private static void createJob(Scene scene, String name) {
        ObjectNode job = json("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"" + name
                + "\",\"labels\":{\"app.kubernetes.io/managed-by\":\"hcp-rollback\"}},\"spec\":{\"backoffLimit\":0,"
                + "\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"restore\",\"image\":\""
                + RESTORED_ETCD_IMAGE + "\",\"command\":[\"/bin/sh\",\"-c\",\"true\"]}]}}}}");
        ApiRequest.Answer answer = SIDECAR.send(server(), ApiRequest.create(scene.object("/apis/batch/v1/namespaces/CP/jobs"),
                job));
        assertTrue(answer.succeeded(), "the sidecar creates Job " + name + ": " + answer);
    }

    /**
     * {@code kubectl get job -o json | jq 'del(...) | .spec.template.metadata.labels |= ...'} as the runbook writes it
     * (kubectl leaves the managed fields out).
     */
    private static ObjectNode exportedAsTheRunbookDoes(JsonNode stored) {
        ObjectNode job = stored.deepCopy();
        ((ObjectNode) job.get("metadata")).remove(List.of("uid", "resourceVersion", "creationTimestamp", "managedFields"));
        job.remove("status");
        ((ObjectNode) job.get("spec")).remove("selector");
        JsonNode labels = job.at("/spec/template/metadata/labels");
        if (labels instanceof ObjectNode templateLabels) {
            Set<String> generated = new LinkedHashSet<>();
            templateLabels.fieldNames().forEachRemaining(key -> {
                if (key.matches(".*(controller-uid|job-name).*")) {
                    generated.add(key);
                }
            });
            templateLabels.remove(generated);
        }
        return job;
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) HostedClusters.JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
