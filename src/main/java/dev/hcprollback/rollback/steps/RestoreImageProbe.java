package dev.hcprollback.rollback.steps;

import static dev.hcprollback.rollback.steps.Preflight.RESTORE_IMAGE;
import static dev.hcprollback.rollback.steps.PreflightJobs.pullFailure;
import static dev.hcprollback.rollback.steps.PreflightJobs.startedOrFound;

import java.util.Optional;

import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.rollback.restore.RestoreJobs;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/** The preflight's {@code restoreImage} item: a probe Job runs the restore's tool of the etcd image once. */
public final class RestoreImageProbe {

    private RestoreImageProbe() {
    }

    /**
     * The restore image's tool can {@code --bump-revision}/{@code --mark-compacted}: the probe Job of
     * the image answers, once per image (a finished probe is reused); empty while it runs.
     */
    public static Optional<PreflightCheck> check(RollbackRun run, String image) {
        if (image == null) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, false, "no etcd image is known: the etcd StatefulSet "
                    + "has no container named etcd and the snapshot records none"));
        }
        String name = RollbackNames.probeJob(image);
        Job probe = startedOrFound(run, name,
                () -> RestoreJobs.probe(run.cpNamespace(), image, run.etcdStatefulSet(), run.settings.bumpRevision()));
        if (probe == null) {
            return Optional.empty();
        }
        Optional<String> notPulled = RestoreJobs.succeeded(probe) || RestoreJobs.failed(probe) ? Optional.empty()
                : pullFailure(run, name);
        if (notPulled.isPresent()) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, false, image + " cannot be pulled on the management "
                    + "cluster: " + notPulled.get() + " (probe Job " + name + "; delete it to probe again)"));
        }
        if (RestoreJobs.succeeded(probe)) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, true, image + " can restore with --bump-revision "
                    + run.settings.bumpRevision() + " --mark-compacted (probe Job " + name + ")"));
        }
        if (RestoreJobs.failed(probe)) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, false, image + " cannot restore with --bump-revision "
                    + "--mark-compacted, or the probe did not run: kubectl -n " + run.cpNamespace() + " logs job/" + name
                    + " (delete the Job to probe again)"));
        }
        return Optional.empty();
    }
}
