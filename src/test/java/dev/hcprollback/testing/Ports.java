package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Provisional: starts a child process on free ports and retries when a port was taken before it bound it. */
public final class Ports {

    private Ports() {
    }

    /** A child process that ended before it was ready; its log says why. */
    public static final class ProcessFailedToStart extends RuntimeException {
        public final Path log;

        public ProcessFailedToStart(String message, Path log) {
            super(message + " (log: " + log + ")");
            this.log = log;
        }

        boolean addressInUse() {
            try {
                return Files.exists(log) && Files.readString(log).contains("address already in use");
            } catch (IOException e) {
                return false;
            }
        }
    }

    @FunctionalInterface
    public interface Start<T> {
        T start(int[] ports) throws IOException;
    }

    public static <T> T startRetryingOnBindFailure(String what, int count, Start<T> start) throws IOException {
        for (int attempt = 1;; attempt++) {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                try (ServerSocket socket = new ServerSocket(0)) {
                    ports[i] = socket.getLocalPort();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            try {
                return start.start(ports);
            } catch (ProcessFailedToStart e) {
                if (attempt >= 5 || !e.addressInUse()) {
                    throw e;
                }
            }
        }
    }
}
