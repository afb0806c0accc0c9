package dev.hcprollback.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

import dev.hcprollback.testing.EtcdProcess;

/**
 * Grows a real etcd's database to a size with what a hosted control plane's etcd holds: Kubernetes
 * objects under {@code /registry/<resource>/<namespace>/<name>} ({@link KubernetesObjects}: ConfigMaps,
 * Secrets, Pods, Events, as JSON with their metadata and managed fields), put in parallel over a few
 * connections until the member's status reports the size. Compression figures are only as honest as
 * this content: random bytes would make compression look useless, repeated bytes would make it look
 * free.
 */
final class EtcdFill implements AutoCloseable {

    static final String PREFIX = "/registry/";

    private final String statusEndpoint;
    private final List<Client> clients = new ArrayList<>();
    private final KubernetesObjects objects;
    private long keys;
    private long valueBytes;

    EtcdFill(EtcdProcess etcd, int connections) {
        this(etcd::client, etcd.endpoint(), connections, 42);
    }

    /**
     * Puts over {@code connections} clients from {@code client} (closed with this), the database's size read from the
     * member at {@code statusEndpoint}; the objects' names and contents drawn from {@code seed} (a fill with another
     * seed adds new keys rather than overwriting the same ones).
     */
    EtcdFill(java.util.function.Supplier<Client> client, String statusEndpoint, int connections, long seed) {
        this.statusEndpoint = statusEndpoint;
        this.objects = new KubernetesObjects(new Random(seed));
        for (int i = 0; i < connections; i++) {
            clients.add(client.get());
        }
    }

    /**
     * Puts until the database is at least {@code bytes}; returns the size the status API reports. Each batch writes
     * values for half of what is missing: the db grows by more than the values' bytes (keys, revisions, pages not
     * full; about 1.35× here), so a batch for the whole gap overshot by about a third (1,396 MiB for 1 GiB), and halves
     * stop within a batch of 16 objects or so above the size.
     */
    long growTo(long bytes, int inFlight) throws Exception {
        long size = dbSize();
        while (size < bytes) {
            long average = keys == 0 ? 4096 : Math.max(512, valueBytes / keys);
            long batch = Math.max(16, (bytes - size) / average / 2 + 1);
            Semaphore slots = new Semaphore(inFlight);
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (long i = 0; i < batch; i++) {
                slots.acquire();
                Client client = clients.get((int) (keys % clients.size()));
                KubernetesObjects.Object object = objects.next();
                keys++;
                valueBytes += object.value().length;
                pending.add(client.getKVClient().put(EtcdProcess.bytes(PREFIX + object.path()), ByteSequence.from(object.value()))
                        .whenComplete((ok, failed) -> slots.release()));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
            size = dbSize();
        }
        return size;
    }

    long keys() {
        return keys;
    }

    long dbSize() throws Exception {
        return clients.get(0).getMaintenanceClient().statusMember(statusEndpoint).get(1, TimeUnit.MINUTES).getDbSize();
    }

    long revision() throws Exception {
        return clients.get(0).getKVClient().get(EtcdProcess.bytes("\0")).get(1, TimeUnit.MINUTES).getHeader().getRevision();
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
    }
}
