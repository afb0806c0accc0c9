package dev.hcprollback.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.management.ThreadMXBean;
import com.sun.tools.attach.VirtualMachine;

/**
 * Bytes another JVM on this machine has allocated: the sum of {@code ThreadMXBean#getThreadAllocatedBytes}
 * over its live threads, read over JMX from the local management agent the attach API starts in it. Threads
 * that end between two readings take their bytes with them (an undercount; the sidecar's event loops and
 * worker threads live as long as it does).
 */
final class JvmAllocation implements AutoCloseable {

    private final JMXConnector connector;
    private final ThreadMXBean threads;

    private JvmAllocation(JMXConnector connector, ThreadMXBean threads) {
        this.connector = connector;
        this.threads = threads;
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
        ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(connector.getMBeanServerConnection(),
                ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
        return new JvmAllocation(connector, threads);
    }

    /** Bytes allocated so far by the JVM's live threads. */
    long allocatedBytes() {
        long total = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, bytes);
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
