package dev.hcprollback.snapshot;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * When a controller has reconciled, once, every object its cache held when its first reconciliation ran:
 * the start-up reconciliation of a sidecar that became leader on a busy management cluster is then done.
 * Visible from outside twice: one log line per controller,
 *
 * <pre>start-up reconciliation done: controller=hostedcluster-snapshots objects=1000 seconds=2.314 since-process-start=7.105</pre>
 *
 * ({@code seconds} from that controller's first reconciliation), and the gauge
 * {@code hcp_rollback_startup_reconciliation_seconds{controller}}: seconds from the process's start to that
 * moment, absent until then. A replica that is not the leader runs no controller and reports neither.
 */
@ApplicationScoped
public class StartupReconciliation {

    private static final Logger LOG = Logger.getLogger(StartupReconciliation.class);
    /** Below this many outstanding objects, those deleted meanwhile are looked for on every call. */
    private static final int PRUNE_BELOW = 16;

    private final MeterRegistry registry;
    private final Map<String, Progress> controllers = new ConcurrentHashMap<>();

    public StartupReconciliation(MeterRegistry registry) {
        this.registry = registry;
    }

    private static final class Progress {
        final Instant firstReconciliation = Instant.now();
        final Set<ResourceID> outstanding = ConcurrentHashMap.newKeySet();
        final int objects;
        final AtomicBoolean done = new AtomicBoolean();
        volatile double secondsFromProcessStart = Double.NaN;

        Progress(Iterable<ResourceID> present) {
            present.forEach(outstanding::add);
            objects = outstanding.size();
        }
    }

    /**
     * Records that {@code controller} finished a reconciliation of {@code resource} (whatever it decided). The
     * first call of a controller takes the list of what it has to go through from its primary cache, which the
     * operator filled before the first reconciliation.
     */
    public <P extends HasMetadata> void reconciled(String controller, P resource, Context<P> context) {
        Progress progress = controllers.computeIfAbsent(controller,
                name -> new Progress(context.getPrimaryCache().list().map(ResourceID::fromResource).toList()));
        if (progress.done.get()) {
            return;
        }
        progress.outstanding.remove(ResourceID.fromResource(resource));
        if (!progress.outstanding.isEmpty() && progress.outstanding.size() < PRUNE_BELOW) {
            // deleted before its turn: nothing left to reconcile
            progress.outstanding.removeIf(id -> context.getPrimaryCache().get(id).isEmpty());
        }
        if (progress.outstanding.isEmpty() && progress.done.compareAndSet(false, true)) {
            Instant now = Instant.now();
            progress.secondsFromProcessStart = (now.toEpochMilli() - ManagementFactory.getRuntimeMXBean().getStartTime())
                    / 1000.0;
            Gauge.builder("hcp_rollback_startup_reconciliation_seconds", progress, p -> p.secondsFromProcessStart)
                    .description("Seconds from the process's start until the controller had reconciled every object"
                            + " present when it started")
                    .tag("controller", controller).register(registry);
            LOG.infof("start-up reconciliation done: controller=%s objects=%d seconds=%s since-process-start=%s",
                    controller, progress.objects, seconds(Duration.between(progress.firstReconciliation, now)),
                    String.format(Locale.ROOT, "%.3f", progress.secondsFromProcessStart));
        }
    }

    /** Whether {@code controller} has gone through everything it found at its start. */
    public boolean isDone(String controller) {
        Progress progress = controllers.get(controller);
        return progress != null && progress.done.get();
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.3f", duration.toMillis() / 1000.0);
    }
}
