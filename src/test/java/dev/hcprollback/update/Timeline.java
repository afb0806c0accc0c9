package dev.hcprollback.update;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A recorded update timeline (src/test/resources/update-timelines/*.yaml): what the control plane showed,
 * minute by minute from the update's start (negative minutes are before it), and whether the update was
 * healthy or bad. Each step sets only what changed; what it leaves out stays as it was.
 *
 * <pre>
 * description: ...
 * expect: healthy            # or bad
 * end: 100                   # the replay runs until this minute
 * steps:
 *   - at: -2880              # two days before the update
 *     conditions: {Degraded: "True"}
 *     deployments:
 *       router: {replicas: 3, available: 2, updated: 3, progressing: NewReplicaSetAvailable}
 *   - at: 0
 *     update: true           # the new release is set on the HostedCluster
 *   - at: 3
 *     pods:
 *       kube-apiserver-new-0: {restarts: 2, ready: false}
 *   - at: 14
 *     complete: true         # HyperShift reports the new version Completed
 *   - at: 15
 *     watching: false        # the sidecar is down: no look until a step sets it true again
 *     deleteRecord: true     # someone deletes the update's record (the watch makes it again)
 * sidecarClockAhead: -3      # optional: minutes the sidecar's clock is ahead of the control plane's
 * </pre>
 */
record Timeline(String name, String description, String expect, int end, List<Step> steps, Integer sidecarClockAhead) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /** One minute's changes. {@code progressing} is the Deployment controller's reason (its status follows from it). */
    record Step(int at, boolean update, boolean complete, Map<String, String> conditions,
            Map<String, DeploymentState> deployments, Map<String, PodState> pods, Boolean watching, boolean deleteRecord) {
        Step {
            conditions = conditions == null ? Map.of() : conditions;
            deployments = deployments == null ? Map.of() : deployments;
            pods = pods == null ? Map.of() : pods;
        }
    }

    /** Replicas wanted, available and of the new template; maxUnavailable when not HyperShift's 1. */
    record DeploymentState(Integer replicas, Integer available, Integer updated, String progressing, Integer maxUnavailable) {
        DeploymentState over(DeploymentState earlier) {
            return earlier == null ? this
                    : new DeploymentState(replicas != null ? replicas : earlier.replicas,
                            available != null ? available : earlier.available, updated != null ? updated : earlier.updated,
                            progressing != null ? progressing : earlier.progressing,
                            maxUnavailable != null ? maxUnavailable : earlier.maxUnavailable);
        }
    }

    /** A pod of the new payload: how often its main container restarted and whether it is ready. */
    record PodState(int restarts, boolean ready) {
    }

    static Timeline load(String name) {
        try (InputStream in = Timeline.class.getResourceAsStream("/update-timelines/" + name + ".yaml")) {
            if (in == null) {
                throw new IllegalArgumentException("no timeline " + name + " under src/test/resources/update-timelines");
            }
            Map<String, Object> tree = YAML.readValue(in, LinkedHashMap.class);
            tree.put("name", name);
            Timeline timeline = YAML.convertValue(tree, Timeline.class);
            if (!List.of("healthy", "bad").contains(timeline.expect())) {
                throw new IllegalArgumentException(name + ": expect is healthy or bad, not " + timeline.expect());
            }
            return timeline;
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }

    boolean healthy() {
        return "healthy".equals(expect);
    }

    List<Step> stepsAt(int minute) {
        List<Step> at = new ArrayList<>();
        steps.stream().filter(s -> s.at() == minute).forEach(at::add);
        return at;
    }
}
