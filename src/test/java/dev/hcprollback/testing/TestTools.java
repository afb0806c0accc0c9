package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real servers and tools the tests run: etcd, an OCI registry, promtool and Azurite, installed by {@code .ci/install-test-tools}. */
public final class TestTools {

    private TestTools() {
    }

    public static Path root() {
        String configured = System.getProperty("hcprollback.test-tools", System.getenv("HCP_ROLLBACK_TEST_TOOLS"));
        return configured != null ? Path.of(configured) : Path.of(".tools").toAbsolutePath();
    }

    public static Path etcdBin(String name) {
        return require(root().resolve("etcd/usr/bin").resolve(name));
    }

    public static Path dockerRegistry() {
        return require(root().resolve("docker-registry/usr/bin/docker-registry"));
    }

    /** Prometheus' promtool, from Debian's {@code prometheus} package. */
    public static Path promtool() {
        return require(root().resolve("prometheus/usr/bin/promtool"));
    }

    public static Path azurite() {
        return require(root().resolve("azurite/node_modules/.bin/azurite-blob"));
    }

    /** kube-apiserver {@value KubeApiServer#VERSION}, from the setting HCP_ROLLBACK_KUBE_APISERVER or the official download. */
    public static Path kubeApiServer() {
        return require(root().resolve("kube-apiserver").resolve(KubeApiServer.VERSION).resolve("kube-apiserver"));
    }

    /** kubectl, from Debian trixie's {@code kubectl} package: the one docs/install.md's commands run with. */
    public static Path kubectl() {
        return require(root().resolve("kubectl/usr/bin/kubectl"));
    }

    /**
     * HyperShift's own CRDs (HostedCluster, HostedControlPlane, NodePool with their CEL rules), copied from the
     * folder the setting HCP_ROLLBACK_HYPERSHIFT_CRDS names.
     */
    public static Path hyperShiftCrds() {
        Path dir = root().resolve("hypershift-crds");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(dir + " is missing: set HCP_ROLLBACK_HYPERSHIFT_CRDS to a folder with HyperShift's "
                    + "CRDs and run .ci/install-test-tools hypershift-crds");
        }
        return dir;
    }

    /**
     * HyperShift's CRDs of its TechPreviewNoUpgrade feature set (EtcdSharding's {@code spec.etcd.managed.shards} among
     * them), from the setting HCP_ROLLBACK_HYPERSHIFT_CRDS_TECHPREVIEW, else {@code .tools/hypershift-crds-techpreview}.
     * For the HostedCluster it is a superset of the Default set's schema (the same fields and rules, more fields, a
     * wider platform enum), so a server switched to it still accepts every Default object.
     */
    public static Path hyperShiftTechPreviewCrds() {
        String configured = System.getenv("HCP_ROLLBACK_HYPERSHIFT_CRDS_TECHPREVIEW");
        Path dir = configured != null ? Path.of(configured) : root().resolve("hypershift-crds-techpreview");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(dir + " is missing: set HCP_ROLLBACK_HYPERSHIFT_CRDS_TECHPREVIEW to a folder with"
                    + " HyperShift's TechPreviewNoUpgrade CRDs (hostedclusters-*TechPreviewNoUpgrade.crd.yaml)");
        }
        return dir;
    }

    private static Path require(Path tool) {
        if (!Files.isExecutable(tool)) {
            throw new IllegalStateException(tool + " is missing: run .ci/install-test-tools first (it installs etcd 3.5, "
                    + "docker-registry, Prometheus' promtool, Azurite, kube-apiserver and kubectl into .tools/; README, Tests)");
        }
        return tool;
    }

    /** Asks a process to stop, waits up to 20 s, then kills it. */
    public static void stop(Process process) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Closes each in the order given, nulls skipped; one that fails to close is reported on stderr and the next is
     * closed all the same (a test class's clean-up must not leave a process behind because an earlier one failed).
     */
    public static void closeAll(AutoCloseable... each) {
        for (AutoCloseable closeable : each) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + closeable + ": " + e);
            }
        }
    }

    /** Deletes a file or a directory with everything under it; nothing happens when it is absent. */
    public static void deleteRecursively(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(path)) {
            for (Path each : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
