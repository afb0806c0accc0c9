package dev.hcprollback.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check that keeps test runs from leaving keys and etcd data behind does fail a run that leaks. */
class TempFilesCheckTest {

    @TempDir
    Path tmp;

    @Test
    void failsTheRunThatLeavesAnEntryAndNamesIt() throws Exception {
        Files.writeString(tmp.resolve("from-an-earlier-run"), "not held against this run");
        TempFilesCheck check = new TempFilesCheck(tmp);
        check.launcherSessionOpened(null);
        Files.createDirectories(tmp.resolve("test-pki123").resolve("keys"));

        IllegalStateException leak = assertThrows(IllegalStateException.class, () -> check.launcherSessionClosed(null));
        assertTrue(leak.getMessage().contains("[test-pki123]"), leak.getMessage());
    }

    @Test
    void passesTheRunThatRemovesWhatItCreated() throws Exception {
        TempFilesCheck check = new TempFilesCheck(tmp);
        check.launcherSessionOpened(null);
        TestTools.deleteRecursively(Files.createDirectories(tmp.resolve("etcd").resolve("data")).getParent());

        assertDoesNotThrow(() -> check.launcherSessionClosed(null));
    }
}
