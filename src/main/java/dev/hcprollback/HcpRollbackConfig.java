package dev.hcprollback;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of hcp-rollback; {@code config/README.md} lists them with their defaults and meaning. */
@ConfigMapping(prefix = "hcp-rollback")
public interface HcpRollbackConfig {

    /** The sidecar's own identity as the API server names it in admission requests. */
    @WithDefault("system:serviceaccount:hcp-rollback:hcp-rollback")
    String serviceAccount();

    Rollback rollback();

    Authorization authorization();

    UpgradeGate upgradeGate();

    Tls tls();

    Benchmark benchmark();

    interface Benchmark {
        /** Serves {@code /validate/baseline}, a constant AdmissionReview, to measure the HTTPS stack alone. */
        @WithDefault("false")
        boolean baselineEndpoint();
    }

    /** The webhook's serving certificate; {@code quarkus.tls.key-store.pem.0.*} point here and reload it. */
    interface Tls {
        @WithDefault("/etc/hcp-rollback/tls/tls.crt")
        String certFile();

        @WithDefault("/etc/hcp-rollback/tls/tls.key")
        String keyFile();
    }

    interface Rollback {
        /** How long after an update started it may still be rolled back. */
        @WithDefault("24h")
        Duration window();
    }

    interface Authorization {
        /** Users allowed to request rollbacks besides those RBAC grants the {@code rollback} verb. */
        Optional<List<String>> allowedUsers();

        /** Groups allowed to request rollbacks besides those RBAC grants the {@code rollback} verb. */
        Optional<List<String>> allowedGroups();
    }

    interface UpgradeGate {
        /** {@code off}, {@code warn} or {@code enforce}. */
        @WithDefault("warn")
        UpgradeGateMode mode();

        /** How old the verified snapshot of the current payload may be when an upgrade starts. */
        @WithDefault("12h")
        Duration maxSnapshotAge();
    }

    enum UpgradeGateMode {
        off,
        warn,
        enforce
    }
}
