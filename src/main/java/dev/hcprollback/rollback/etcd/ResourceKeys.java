package dev.hcprollback.rollback.etcd;

/**
 * The resource an etcd key of a Kubernetes API server belongs to. Built-in resources are stored as
 * {@code /kubernetes.io/<resource>/[<namespace>/]<name>} whatever their API group; custom resources as
 * {@code /kubernetes.io/<group>/<resource>/...}; OpenShift's API server uses {@code /openshift.io/}.
 */
public final class ResourceKeys {

    private ResourceKeys() {
    }

    public static String resourceOf(String key) {
        String[] parts = key.startsWith("/") ? key.substring(1).split("/") : key.split("/");
        if (parts.length < 2) {
            return "(other)";
        }
        String prefix = parts[0];
        String first = parts[1];
        String resource = first.contains(".") && parts.length > 2 ? first + "/" + parts[2] : first;
        return "kubernetes.io".equals(prefix) ? resource : prefix + ":" + resource;
    }
}
