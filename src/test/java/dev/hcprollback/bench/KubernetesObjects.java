package dev.hcprollback.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

/**
 * Kubernetes objects as a control plane's etcd holds them, for the snapshot benchmark's content: a
 * deterministic mix of Pods (about half the bytes of a real cluster's etcd: specs, status and managed
 * fields), ConfigMaps (configuration text), Secrets (base64 of random key material: the part that does not
 * compress) and Events, each with its own name, uid, resourceVersion, timestamps and labels. JSON, as the
 * API server stores custom resources (built-in kinds are protobuf there, whose field names are tags: the
 * JSON here compresses somewhat better than protobuf would).
 */
final class KubernetesObjects {

    /** Where the object goes under {@code /registry/} and its stored bytes. */
    record Object(String path, byte[] value) {
    }

    private static final String[] IMAGES = { "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:",
            "registry.redhat.io/openshift4/ose-kube-rbac-proxy@sha256:", "quay.io/openshift/origin-hypershift@sha256:" };
    private static final String[] WORDS = { "kube-apiserver", "etcd", "oauth", "ingress", "konnectivity", "router",
            "cluster-version", "monitoring", "network", "dns", "console", "image-registry", "csi", "machine-approver" };

    private final Random random;
    private long serial;
    private long resourceVersion = 1_000_000;

    KubernetesObjects(Random random) {
        this.random = random;
    }

    Object next() {
        serial++;
        int kind = random.nextInt(10);
        String namespace = "clusters-" + word() + "-" + random.nextInt(40);
        String name = word() + "-" + hex(5) + "-" + hex(5);
        if (kind < 4) {
            return new Object("pods/" + namespace + "/" + name, pod(namespace, name));
        }
        if (kind < 6) {
            return new Object("configmaps/" + namespace + "/" + name, configMap(namespace, name));
        }
        if (kind < 8) {
            return new Object("secrets/" + namespace + "/" + name, secret(namespace, name));
        }
        return new Object("events/" + namespace + "/" + name + "." + hex(16), event(namespace, name));
    }

    private byte[] pod(String namespace, String name) {
        StringBuilder containers = new StringBuilder();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            containers.append(i == 0 ? "" : ",").append("{\"name\":\"").append(word()).append("\",\"image\":\"")
                    .append(IMAGES[random.nextInt(IMAGES.length)]).append(hex(64))
                    .append("\",\"command\":[\"/usr/bin/").append(word()).append("\"],\"args\":[\"--v=2\",\"--secure-port=")
                    .append(1024 + random.nextInt(60000)).append("\",\"--tls-cert-file=/etc/kubernetes/certs/tls.crt\"]")
                    .append(",\"env\":[{\"name\":\"KUBECONFIG\",\"value\":\"/etc/kubernetes/kubeconfig\"},{\"name\":\"POD_IP\","
                            + "\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"status.podIP\"}}}]")
                    .append(",\"resources\":{\"requests\":{\"cpu\":\"").append(5 + random.nextInt(200))
                    .append("m\",\"memory\":\"").append(16 + random.nextInt(900)).append("Mi\"}}")
                    .append(",\"volumeMounts\":[{\"name\":\"certs\",\"mountPath\":\"/etc/kubernetes/certs\"}],")
                    .append("\"terminationMessagePath\":\"/dev/termination-log\",\"imagePullPolicy\":\"IfNotPresent\"}");
        }
        String body = "\"spec\":{\"containers\":[" + containers + "],\"nodeName\":\"ip-10-0-" + random.nextInt(255) + "-"
                + random.nextInt(255) + ".ec2.internal\",\"serviceAccountName\":\"" + word() + "\",\"priorityClassName\":"
                + "\"hypershift-control-plane\",\"tolerations\":[{\"key\":\"hypershift.openshift.io/control-plane\","
                + "\"operator\":\"Equal\",\"value\":\"true\",\"effect\":\"NoSchedule\"}]},\"status\":{\"phase\":\"Running\","
                + "\"podIP\":\"10.128." + random.nextInt(255) + "." + random.nextInt(255) + "\",\"startTime\":\"" + time()
                + "\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"" + time() + "\"}],"
                + "\"containerStatuses\":[{\"containerID\":\"cri-o://" + hex(64) + "\",\"restartCount\":" + random.nextInt(3)
                + ",\"ready\":true}]}";
        return object("v1", "Pod", namespace, name, body, 3 + random.nextInt(3));
    }

    private byte[] configMap(String namespace, String name) {
        StringBuilder config = new StringBuilder();
        int lines = 20 + random.nextInt(300);
        for (int i = 0; i < lines; i++) {
            config.append(word()).append('.').append(word()).append(": ").append(random.nextInt(5) == 0 ? hex(12)
                    : Integer.toString(random.nextInt(100_000))).append("\\n");
        }
        return object("v1", "ConfigMap", namespace, name, "\"data\":{\"config.yaml\":\"" + config + "\"}", 1);
    }

    private byte[] secret(String namespace, String name) {
        byte[] key = new byte[1200 + random.nextInt(2400)];
        random.nextBytes(key);
        String pem = Base64.getEncoder().encodeToString(
                ("-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(key) + "\n-----END PRIVATE KEY-----\n")
                        .getBytes(StandardCharsets.US_ASCII));
        return object("v1", "Secret", namespace, name, "\"type\":\"kubernetes.io/tls\",\"data\":{\"tls.key\":\"" + pem
                + "\",\"tls.crt\":\"" + Base64.getEncoder().encodeToString(hex(600).getBytes(StandardCharsets.US_ASCII))
                + "\"}", 1);
    }

    private byte[] event(String namespace, String name) {
        return object("v1", "Event", namespace, name + "." + hex(16), "\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\""
                + namespace + "\",\"name\":\"" + name + "\",\"uid\":\"" + uid() + "\"},\"reason\":\"Pulled\",\"message\":"
                + "\"Container image already present on machine\",\"source\":{\"component\":\"kubelet\"},\"count\":"
                + (1 + random.nextInt(50)) + ",\"type\":\"Normal\",\"firstTimestamp\":\"" + time() + "\"", 0);
    }

    /** An object with metadata (labels, owner, managed fields per field manager) around {@code body}. */
    private byte[] object(String apiVersion, String kind, String namespace, String name, String body, int managers) {
        StringBuilder managed = new StringBuilder();
        for (int i = 0; i < managers; i++) {
            managed.append(i == 0 ? "" : ",").append("{\"manager\":\"").append(word()).append("\",\"operation\":\"Update\","
                    + "\"apiVersion\":\"v1\",\"time\":\"").append(time()).append("\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":"
                    + "{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{},\"f:hypershift.openshift.io/control-plane-component\":{}}"
                    + ",\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\"").append(uid()).append("\\\"}\":{}}},\"f:spec\":{"
                    + "\"f:containers\":{\"k:{\\\"name\\\":\\\"").append(word()).append("\\\"}\":{\".\":{},\"f:image\":{},"
                    + "\"f:name\":{},\"f:resources\":{}}}}}}");
        }
        String json = "{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"" + kind + "\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"" + namespace + "\",\"uid\":\"" + uid() + "\",\"resourceVersion\":\""
                + (resourceVersion += 1 + random.nextInt(20)) + "\",\"creationTimestamp\":\"" + time()
                + "\",\"labels\":{\"app\":\"" + word() + "\",\"hypershift.openshift.io/control-plane-component\":\"" + word()
                + "\",\"pod-template-hash\":\"" + hex(10) + "\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
                + "\"ReplicaSet\",\"name\":\"" + name + "\",\"uid\":\"" + uid() + "\",\"controller\":true}],\"managedFields\":["
                + managed + "]}," + body + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private String word() {
        return WORDS[random.nextInt(WORDS.length)];
    }

    private String hex(int digits) {
        byte[] bytes = new byte[(digits + 1) / 2];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).substring(0, digits);
    }

    private String uid() {
        return hex(8) + "-" + hex(4) + "-" + hex(4) + "-" + hex(4) + "-" + hex(12);
    }

    private String time() {
        return Instant.ofEpochSecond(1_760_000_000L + serial * 7 + random.nextInt(3600)).toString();
    }
}
