package dev.hcprollback.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The outage benchmark's verdicts on what the client recorded: the outage it saw and the writes it lost. */
class OutageFiguresTest {

    private static OutageClient.Tick ok(double at, int seq, long revision) {
        return new OutageClient.Tick(at, seq, "w-" + seq, true, revision, true, 10, null);
    }

    private static OutageClient.Tick refused(double at, int seq) {
        return new OutageClient.Tick(at, seq, "w-" + seq, false, -1, false, 1, "create ConnectException");
    }

    // writes at revisions 10..13 before the stop (snapshot at 11), refusals from 5.0 s to 9.9 s, back at 10.0 s
    // (one answer at 6.0 s while the stopping API server drains)
    private static final List<OutageClient.Tick> TICKS = List.of(ok(1.0, 1, 10), ok(2.0, 2, 11), ok(3.0, 3, 12),
            ok(4.0, 4, 13), refused(5.0, 5), ok(6.0, 8, 14), refused(9.9, 6), ok(10.0, 7, 1_000_000_020));

    @Test
    void theOutageRunsFromTheFirstRefusalToTheEndOfTheFirstSuccessAfterTheLastRefusal() {
        Map<String, Object> figures = OutageBenchmark.clientFigures(TICKS, 4.5, 10.01, 0.5, 12.0);

        assertEquals(10.0 + 0.010 - 5.0, (double) figures.get("outageSeconds"), 1e-9);
        // behind a readiness-gated Service the client reaches the server only once it is ready, at 12.0 s
        assertEquals(12.0 - 5.0, (double) figures.get("outageUntilReadySeconds"), 1e-9);
        assertEquals(10.0 + 0.010 - 5.0, (double) OutageBenchmark.clientFigures(TICKS, 4.5, 10.01, 0.5, 8.0)
                .get("outageUntilReadySeconds"), 1e-9);
        assertEquals(2L, figures.get("failedAttemptsInTheOutage"));
        assertEquals(0, figures.get("failedAttemptsOutsideTheOutage"));
        assertEquals(1L, figures.get("answeredInTheOutage"));
    }

    @Test
    void theSlowestInformersAreReadFromTheApiServersLog() {
        List<String> log = List.of("??? I1208 02:10:00.500000   77 options.go:249] \"Version\" version=\"v1.34.2\"",
                "I1208 02:10:03.000000   77 reflector.go:430] \"Caches populated\" type=\"*v1.Namespace\" reflector=\"f.go:160\"",
                "W1208 02:10:20.000000   77 reflector.go:200] a warning",
                "I1208 02:10:42.250000   77 reflector.go:430] \"Caches populated\" type=\"*v1.Secret\" reflector=\"f.go:160\"",
                "I1208 02:10:31.500000   77 reflector.go:430] \"Caches populated\" type=\"*v1.Pod\" reflector=\"f.go:160\"");

        assertEquals(List.of("*v1.Secret", "*v1.Pod", "*v1.Namespace"),
                List.copyOf(OutageBenchmark.informersSynced(log).keySet()));
        assertEquals(41.75, OutageBenchmark.informersSynced(log).get("*v1.Secret"), 1e-9);
    }

    @Test
    void exactlyTheWritesAfterTheSnapshotLostIsTheOnlyGoodAnswer() {
        // revisions 12 to 14 were after the snapshot (11); the write after the rollback stays
        Map<String, Object> exact = OutageBenchmark.lostWrites(TICKS, Set.of("w-1", "w-2", "w-7"), 10, 11, 7.0);
        assertEquals(true, exact.get("exactlyThoseAfterTheSnapshot"));
        assertEquals(3, exact.get("lost")); // w-3, w-4, and w-8 (answered while the API server drained)
        assertEquals(1L, exact.get("keptAfterTheRecordedRevision"));

        Map<String, Object> tooMany = OutageBenchmark.lostWrites(TICKS, Set.of("w-1", "w-7"), 10, 11, 7.0);
        assertEquals(false, tooMany.get("exactlyThoseAfterTheSnapshot"));
        assertEquals(List.of("w-2"), tooMany.get("lostButBeforeTheSnapshot"));

        Map<String, Object> tooFew = OutageBenchmark.lostWrites(TICKS, Set.of("w-1", "w-2", "w-3", "w-7"), 10, 11, 7.0);
        assertEquals(false, tooFew.get("exactlyThoseAfterTheSnapshot"));
        assertEquals(List.of("w-3"), tooFew.get("keptButAfterTheSnapshot"));
    }
}
