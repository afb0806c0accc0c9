package dev.hcprollback.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

import javax.management.MBeanServerConnection;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.management.ThreadMXBean;
import com.sun.tools.attach.VirtualMachine;

/**
 * Bytes another JVM on this machine has allocated: the sum of {@code ThreadMXBean#getThreadAllocatedBytes}
 * over its live threads, read over JMX from the local management agent the attach API starts in it. Threads
 * that end between two readings take their bytes with them (an undercount; the sidecar's event loops and
 * worker threads live as long as it does). Over the same connection, its collections and JIT compilation time
 * ({@link #counters()}): what tells one measuring round of the same load from another.
 */
final class JvmAllocation implements AutoCloseable {

    /**
     * Cumulative counters of the JVM: bytes allocated (as {@link #allocatedBytes()}), garbage collections (count and
     * milliseconds, all collectors; {@code oldCollections}: those of a collector whose name says old, full or mark-sweep)
     * and milliseconds of JIT compilation ({@code CompilationMXBean#getTotalCompilationTime}, -1 when not supported).
     */
    record Counters(long allocatedBytes, long collections, long collectionMillis, long oldCollections, long jitMillis) {
        Counters minus(Counters earlier) {
            return new Counters(allocatedBytes - earlier.allocatedBytes, collections - earlier.collections,
                    collectionMillis - earlier.collectionMillis, oldCollections - earlier.oldCollections,
                    jitMillis < 0 ? -1 : jitMillis - earlier.jitMillis);
        }
    }

    private final JMXConnector connector;
    private final ThreadMXBean threads;
    private final List<GarbageCollectorMXBean> collectors;
    private final CompilationMXBean jit;

    private JvmAllocation(JMXConnector connector, ThreadMXBean threads, List<GarbageCollectorMXBean> collectors,
            CompilationMXBean jit) {
        this.connector = connector;
        this.threads = threads;
        this.collectors = collectors;
        this.jit = jit;
    }

    static JvmAllocation attach(long pid) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (com.sun.tools.attach.AttachNotSupportedException notAJvm) {
            throw new IOException("cannot attach to process " + pid + ": " + notAJvm.getMessage(), notAJvm);
        }
        JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        MBeanServerConnection server = connector.getMBeanServerConnection();
        ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME,
                ThreadMXBean.class);
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getPlatformMXBeans(server, GarbageCollectorMXBean.class);
        CompilationMXBean jit = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.COMPILATION_MXBEAN_NAME,
                CompilationMXBean.class);
        return new JvmAllocation(connector, threads, collectors, jit);
    }

    /** Bytes allocated so far by the JVM's live threads. */
    long allocatedBytes() {
        long total = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, bytes);
        }
        return total;
    }

    /** Allocation, collections and JIT time so far ({@link Counters}). */
    Counters counters() {
        long count = 0;
        long millis = 0;
        long old = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            long collections = Math.max(0, collector.getCollectionCount());
            count += collections;
            millis += Math.max(0, collector.getCollectionTime());
            String name = collector.getName().toLowerCase(Locale.ROOT);
            if (name.contains("old") || name.contains("full") || name.contains("marksweep")) {
                old += collections;
            }
        }
        long jitMillis = jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
        return new Counters(allocatedBytes(), count, millis, old, jitMillis);
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
