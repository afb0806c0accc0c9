package dev.hcprollback.update;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The update gauges keep one series per cluster and verdict, count the window down, and go with the cluster. */
class UpdateMetricsTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T04:00:00Z"));
    final UpdateMetrics metrics = new UpdateMetrics(meters, clock);

    @Test
    void oneHealthSeriesPerClusterAWindowThatCountsDownAndNothingLeftOfAClusterThatIsGone() {
        Instant closes = clock.instant().plus(Duration.ofHours(1));
        metrics.publish("clusters", "payments", UpdateHealth.Soaking, true, closes, false);
        metrics.publish("clusters", "checkout", UpdateHealth.Unhealthy, true, closes, true);
        metrics.publish("clusters", "payments", UpdateHealth.Unhealthy, true, closes, true);

        assertEquals(Set.of("Unhealthy"), health("payments"), "the Soaking series went when the verdict changed");
        assertEquals(1.0, value(UpdateMetrics.RECOMMENDED, "payments"));
        assertEquals(3600.0, value(UpdateMetrics.WINDOW, "payments"));
        clock.advance(Duration.ofMinutes(15));
        assertEquals(2700.0, value(UpdateMetrics.WINDOW, "payments"), "counts down between two looks");
        clock.advance(Duration.ofHours(2));
        assertEquals(0.0, value(UpdateMetrics.WINDOW, "payments"), "0 once closed");

        metrics.retainOnly((namespace, name) -> Set.of("clusters/checkout").contains(namespace + "/" + name));
        assertEquals(0, meters.getMeters().stream().filter(m -> "payments".equals(m.getId().getTag(ClusterSeries.NAME))).count(),
                "payments is gone: all its series with it");
        assertEquals(4, meters.getMeters().stream().filter(m -> "checkout".equals(m.getId().getTag(ClusterSeries.NAME))).count());
    }

    private Set<String> health(String cluster) {
        return meters.find(UpdateMetrics.HEALTH).tag(ClusterSeries.NAME, cluster).gauges().stream()
                .map(g -> g.getId().getTag("health")).collect(Collectors.toSet());
    }

    private double value(String name, String cluster) {
        return meters.find(name).tag(ClusterSeries.NAME, cluster).gauge().value();
    }
}
