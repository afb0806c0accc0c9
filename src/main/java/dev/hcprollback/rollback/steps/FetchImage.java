package dev.hcprollback.rollback.steps;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The image of the Jobs that run the sidecar's own code on an etcd volume (the stage Job's fetch container, the
 * preflight's measure Jobs): {@code hcp-rollback.rollback.fetch-image} when set, else the image the sidecar itself
 * runs, read from its own pod. A fixed default tag went wrong as soon as the sidecar ran from a mirror (kustomize
 * {@code images:} changes the Deployment only): the stage Jobs then waited on an image nobody could pull, with the
 * cluster paused, until {@code restore-timeout}.
 *
 * <p>The pod's image is taken by digest ({@code status.containerStatuses[].imageID} of the sidecar's container,
 * without a runtime's {@code docker-pullable://} prefix), so a Job runs the very bytes the sidecar runs even if the
 * tag moves; when the runtime reports only a local image ID ({@code sha256:…}, an image loaded onto the node) the
 * container's image reference is used instead. A failed read is not remembered: the next rollback reads again.
 */
public final class FetchImage {

    /** The Deployment's container name: the sidecar's own container among any injected beside it. */
    public static final String CONTAINER = "hcp-rollback";

    /** The image and where it came from, or why it is unknown. */
    public record Resolved(String image, String source, String unknownBecause) {

        public boolean known() {
            return image != null;
        }
    }

    private final java.util.function.Supplier<Resolved> lookup;
    private volatile Resolved found;

    private FetchImage(java.util.function.Supplier<Resolved> lookup) {
        this.lookup = lookup;
    }

    /** A configured image ({@code source} says which setting). */
    public static FetchImage fixed(String image, String source) {
        Resolved resolved = new Resolved(image, source, null);
        FetchImage fixed = new FetchImage(() -> resolved);
        fixed.found = resolved;
        return fixed;
    }

    /**
     * The setting when present; else the sidecar's own pod {@code namespace/podName} when both are known; else
     * {@code outsideAPod}, the image the release was built as.
     */
    public static FetchImage of(Optional<String> setting, KubernetesClient client, Optional<String> namespace,
            Optional<String> podName, String outsideAPod) {
        if (setting.filter(image -> !image.isBlank()).isPresent()) {
            return fixed(setting.get().strip(), "hcp-rollback.rollback.fetch-image");
        }
        if (namespace.filter(n -> !n.isBlank()).isEmpty() || podName.filter(n -> !n.isBlank()).isEmpty()) {
            return fixed(outsideAPod, "the release's image (the sidecar runs outside a pod: no POD_NAME and POD_NAMESPACE)");
        }
        return new FetchImage(() -> ofPod(client, namespace.get(), podName.get()));
    }

    /** The image, looked up once it is first needed; a lookup that failed is tried again next time. */
    public Resolved resolve() {
        Resolved known = found;
        if (known != null) {
            return known;
        }
        Resolved now = lookup.get();
        if (now.known()) {
            found = now;
        }
        return now;
    }

    /** The image, or null when unknown (the preflight refuses a rollback before that matters). */
    public String image() {
        return resolve().image();
    }

    static Resolved ofPod(KubernetesClient client, String namespace, String podName) {
        String source = "the sidecar's own pod " + namespace + "/" + podName;
        Pod pod;
        try {
            pod = client.pods().inNamespace(namespace).withName(podName).get();
        } catch (KubernetesClientException e) {
            return new Resolved(null, source, source + " cannot be read (" + e.getCode() + " " + e.getMessage() + ")");
        }
        if (pod == null) {
            return new Resolved(null, source, source + " does not exist");
        }
        List<ContainerStatus> statuses = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? List.of()
                : pod.getStatus().getContainerStatuses();
        Optional<ContainerStatus> own = statuses.stream().filter(c -> CONTAINER.equals(c.getName())).findFirst()
                .or(() -> statuses.size() == 1 ? Optional.of(statuses.get(0)) : Optional.empty());
        if (own.isEmpty()) {
            return new Resolved(null, source, source + " reports no container named " + CONTAINER);
        }
        String image = byDigest(own.get().getImageID()).orElse(own.get().getImage());
        return image == null || image.isBlank() ? new Resolved(null, source, source + " reports no image for " + CONTAINER)
                : new Resolved(image, source, null);
    }

    /**
     * A pullable reference by digest from a container's {@code imageID}: {@code repo@sha256:…} with any
     * {@code scheme://} of the runtime taken off; empty for a bare image ID, which no registry serves.
     */
    static Optional<String> byDigest(String imageId) {
        if (imageId == null) {
            return Optional.empty();
        }
        String reference = imageId.contains("://") ? imageId.substring(imageId.indexOf("://") + 3) : imageId;
        int at = reference.indexOf('@');
        return at > 0 ? Optional.of(reference) : Optional.empty();
    }
}
