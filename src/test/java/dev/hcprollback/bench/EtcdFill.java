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
 * Grows a real etcd's database to a size: distinct keys with large incompressible values, put in
 * parallel over a few connections, until the member's status reports the size.
 */
final class EtcdFill implements AutoCloseable {

    static final String PREFIX = "/bench/fill/";

    private final EtcdProcess etcd;
    private final List<Client> clients = new ArrayList<>();
    private final ByteSequence value;
    private final int valueBytes;
    private long keys;

    EtcdFill(EtcdProcess etcd, int connections, int valueBytes) {
        this.etcd = etcd;
        this.valueBytes = valueBytes;
        for (int i = 0; i < connections; i++) {
            clients.add(etcd.client());
        }
        byte[] random = new byte[valueBytes];
        new Random(42).nextBytes(random);
        this.value = ByteSequence.from(random);
    }

    /** Puts until the database is at least {@code bytes}; returns the size the status API reports. */
    long growTo(long bytes, int inFlight) throws Exception {
        long size = dbSize();
        while (size < bytes) {
            long batch = Math.max(16, (bytes - size) / valueBytes + 1);
            Semaphore slots = new Semaphore(inFlight);
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (long i = 0; i < batch; i++) {
                slots.acquire();
                Client client = clients.get((int) (keys % clients.size()));
                ByteSequence key = EtcdProcess.bytes(PREFIX + String.format("%010d", keys++));
                pending.add(client.getKVClient().put(key, value).whenComplete((ok, failed) -> slots.release()));
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
        return clients.get(0).getMaintenanceClient().statusMember(etcd.endpoint()).get(1, TimeUnit.MINUTES).getDbSize();
    }

    long revision() throws Exception {
        return clients.get(0).getKVClient().get(EtcdProcess.bytes("\0")).get(1, TimeUnit.MINUTES).getHeader().getRevision();
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
    }
}
