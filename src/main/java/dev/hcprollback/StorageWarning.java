package dev.hcprollback;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/** Says once, at start-up, that snapshots and restores cannot work yet because no object store is configured. */
@ApplicationScoped
class StorageWarning {

    private static final Logger LOG = Logger.getLogger(StorageWarning.class);

    void onStart(@Observes StartupEvent started, Config config) {
        new Prerequisites(config).storage().ifPresent(missing -> LOG.warn(missing));
    }
}
