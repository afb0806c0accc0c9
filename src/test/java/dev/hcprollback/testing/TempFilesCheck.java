package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Fails a test run that leaves files in the temporary directory: keys, etcd data, generated CRDs.
 *
 * <p>The build gives each test JVM, and every process it starts ({@code TMPDIR}), a temporary directory
 * of its own, {@code target/tmp}, and turns this check on with {@code -Dhcprollback.temp-check=true}. So
 * the check sees only what this project's tests created (other processes on a shared machine write to
 * {@code /tmp}, never here), and whatever a broken helper leaks stays under {@code target/}. Entries
 * present when the session opens (an earlier run's surefire leftovers, say) are not held against it.
 * Throwing from {@link #launcherSessionClosed} fails the test JVM, and with it the build.
 */
public final class TempFilesCheck implements LauncherSessionListener {

    public static final String ENABLED = "hcprollback.temp-check";
    /**
     * Netty's self-signed certificates (the mock API server's HTTPS) are files that Netty marks
     * delete-on-exit: they are gone when the JVM ends, which is after this check.
     */
    static final String DELETED_AT_EXIT = "keyutil_";

    private final Path dir;
    private Set<String> before;

    /** As JUnit loads it: checks {@code java.io.tmpdir} when {@value #ENABLED} is true, else nothing. */
    public TempFilesCheck() {
        this(Boolean.getBoolean(ENABLED) ? Path.of(System.getProperty("java.io.tmpdir")) : null);
    }

    /** Checks {@code dir}; none checks nothing. */
    TempFilesCheck(Path dir) {
        this.dir = dir;
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the tests' temporary directory " + dir, e);
        }
        before = entries(dir);
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (before == null) {
            return;
        }
        Set<String> left = entries(dir);
        left.removeAll(before);
        left.removeIf(name -> name.startsWith(DELETED_AT_EXIT));
        if (!left.isEmpty()) {
            throw new IllegalStateException("the tests left " + left.size() + " entries in their temporary directory "
                    + dir.toAbsolutePath() + ": " + left + ". A test helper does not remove what it creates; close it "
                    + "in a finally block, try-with-resources or @AfterAll, or create it under a @TempDir.");
        }
    }

    /** The names directly under {@code dir}. */
    public static Set<String> entries(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
