package dev.hcprollback.rollback.restore.fetch;

import static dev.hcprollback.testing.LocalEtcd.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.testing.LocalEtcd;
import dev.hcprollback.testing.LocalRestoreJob;
import io.etcd.jetcd.Client;

/**
 * The measure of a member's volume on a real etcd's data dir: what the volume holds beyond the db etcd reports, the
 * report the measure Job leaves as its termination message, and the rule the preflight and the stage share.
 */
class VolumeSpaceTest {

    @TempDir
    Path dir;

    /**
     * A real etcd 3.5 member with a few keys: its data dir holds its db file and, beside it, a preallocated 64 MiB WAL
     * segment (and the next one, and more on a busy member), which etcd's reported db size does not count. The
     * measure counts them.
     */
    @Test
    void aRealMembersDataDirHoldsFarMoreThanTheDbSizeEtcdReports() throws Exception {
        long reported;
        try (LocalEtcd etcd = LocalEtcd.single(dir.resolve("etcd")); Client client = etcd.client()) {
            for (int i = 0; i < 20; i++) {
                client.getKVClient().put(bytes("/kubernetes.io/configmaps/app/cm-" + i), bytes("value-" + i)).get(30, TimeUnit.SECONDS);
            }
            reported = client.getMaintenanceClient().statusMember(etcd.endpoint()).get(30, TimeUnit.SECONDS).getDbSize();
            VolumeSpace space = VolumeSpace.measure(dir.resolve("etcd").resolve("data"), dir.resolve("restore-work"));

            assertEquals(Files.size(dir.resolve("etcd/data").resolve(VolumeSpace.DB)), space.dbBytes());
            assertTrue(space.dataDirBytes() >= space.dbBytes() + VolumeSpace.WAL_SEGMENT_BYTES,
                    "the WAL segment beside the db: " + space);
            assertTrue(space.dataDirBytes() >= reported + VolumeSpace.WAL_SEGMENT_BYTES,
                    "etcd's db size counts none of it: " + space + " / reported " + reported);
            assertEquals(0, space.workDirBytes());
            assertTrue(space.fileSystemBytes() > 0 && space.freeBytes() <= space.fileSystemBytes()
                    && space.usedBytes() <= space.fileSystemBytes(), space.toString());
            assertEquals(Files.getFileStore(dir).getTotalSpace(), space.fileSystemBytes());
        }
    }

    /**
     * The measure Job's main class, run as the Job runs it: the report on stdout and in the report file (the
     * container's termination message), read back figure for figure; a data dir without a db reports 0 for it.
     */
    @Test
    void theMainClassTheJobNamesWritesItsReportWhereTheKubeletReadsIt() throws Exception {
        assertEquals(VolumeSpace.class.getName(), RestoreJobs.MEASURE_CLASS);
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("member/snap"));
        Files.write(data.resolve(VolumeSpace.DB), new byte[3000]);
        Files.createDirectories(data.resolve("member/wal"));
        Files.write(data.resolve("member/wal/0.wal"), new byte[5000]);
        Path work = Files.createDirectories(dir.resolve("work/restored"));
        Files.write(work.resolve("db"), new byte[700]);
        Path report = dir.resolve("termination-log");

        Map<String, String> env = LocalRestoreJob.fetchEnvironment();
        Process process = new ProcessBuilder(env.get("FETCH_JAVA"), "-cp", env.get("FETCH_CLASS_PATH"), RestoreJobs.MEASURE_CLASS,
                data.toString(), dir.resolve("work").toString(), report.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);

        VolumeSpace written = VolumeSpace.parse(Files.readString(report));
        assertEquals(written, VolumeSpace.parse(output));
        assertEquals(8000, written.dataDirBytes());
        assertEquals(3000, written.dbBytes());
        assertEquals(700, written.workDirBytes());
        assertEquals(written.freeBytes() + 700, written.freeForStage());

        VolumeSpace withoutDb = VolumeSpace.parse(LocalRestoreJob.measure(dir.resolve("nothing"), dir.resolve("work")));
        assertNotNull(withoutDb);
        assertEquals(0, withoutDb.dbBytes());
        assertEquals(0, withoutDb.dataDirBytes());
    }

    @Test
    void aReportMissingAFigureIsRefusedNamingIt() {
        VolumeSpace space = new VolumeSpace(1000, 400, 600, 300, 100, 0);
        assertEquals(space, VolumeSpace.parse(space.report()));
        assertEquals("no usedBytes in the report",
                assertThrows(IllegalArgumentException.class, () -> VolumeSpace.parse("fileSystemBytes=1000\n")).getMessage());
        assertEquals("freeBytes is 'lots'", assertThrows(IllegalArgumentException.class,
                () -> VolumeSpace.parse(space.report().replace("freeBytes=600", "freeBytes=lots"))).getMessage());
        assertEquals("no fileSystemBytes in the report",
                assertThrows(IllegalArgumentException.class, () -> VolumeSpace.parse(null)).getMessage());
    }

    /**
     * The stage needs the download and the restored copy (the snapshot and a WAL segment) at once, and leaves a
     * margin: 10% of the file system, or what the member may write meanwhile (a defragmented copy of its db and a
     * new WAL segment) when that is more.
     */
    @Test
    void theStageNeedsTheDownloadTheRestoredCopyAndTheLargerMargin() {
        long mib = 1L << 20;
        VolumeSpace smallDb = new VolumeSpace(8192 * mib, 164 * mib, 8028 * mib, 164 * mib, 100 * mib, 0);
        assertEquals(8192 * mib / 100 * 10, smallDb.marginBytes());
        assertEquals(45 * mib + 109 * mib + 8192 * mib / 100 * 10, smallDb.stageNeeds(45 * mib));

        VolumeSpace bigDb = new VolumeSpace(8192 * mib, 3000 * mib, 5192 * mib, 3000 * mib, 2500 * mib, 0);
        assertEquals(2500 * mib + 64 * mib, bigDb.marginBytes(), "a defragmented copy of the db and a WAL segment");
        assertEquals(2000 * mib + 2064 * mib + 2564 * mib, bigDb.stageNeeds(2000 * mib));
    }
}
