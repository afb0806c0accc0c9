package dev.hcprollback.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.hcprollback.testing.EtcdProcess;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestPki;
import dev.hcprollback.testing.TestTools;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a TLS etcd and s3proxy for the controller tests and points the application at them; also gives
 * the HTTPS listener a certificate so the application starts without the mounted one.
 */
public class SnapshotTestServers implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "controller-snapshots";

    static TestPki pki;
    static EtcdProcess etcd;
    static S3Server s3;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("snapshot-controller-test");
            pki = new TestPki();
            etcd = EtcdProcess.startTls(dir.resolve("etcd"), pki);
            s3 = new S3Server();
            s3.createBucket(BUCKET);
            Path tls = pki.writeTo(dir.resolve("tls"));
            return Map.ofEntries(
                    Map.entry("hcp-rollback.snapshot.etcd.endpoint", etcd.endpoint()),
                    // the etcd shard "events" of any cluster; a shard of another name has no endpoint
                    Map.entry("hcp-rollback.snapshot.etcd.shard-endpoints.events", etcd.endpoint()),
                    Map.entry("hcp-rollback.storage.s3.bucket", BUCKET),
                    Map.entry("hcp-rollback.snapshot.schedule-enabled", "true"),
                    Map.entry("quarkus.s3.endpoint-override", s3.endpoint().toString()),
                    Map.entry("quarkus.tls.key-store.pem.0.cert", tls.resolve("server.crt").toString()),
                    Map.entry("quarkus.tls.key-store.pem.0.key", tls.resolve("server.key").toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (etcd != null) {
            etcd.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (dir != null) {
            TestTools.deleteRecursively(dir);
        }
    }
}
