package dev.hcprollback.rollback.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;

/**
 * What each member of an etcd cluster reports about itself (etcd's Maintenance Status of that member,
 * and the member list): the facts the preflight sizes volumes from and the start of etcd is checked
 * against.
 *
 * @param members one entry per member of the member list, in the list's order
 */
public record EtcdMembers(List<Member> members) {

    /**
     * @param name the member's name ({@code etcd-N})
     * @param clusterId the cluster ID the member reports in its response header
     * @param dbSizeBytes the size of its backend database file, bytes
     * @param revision its current revision
     * @param version the etcd server version it runs ({@code 3.5.16})
     */
    public record Member(String name, long clusterId, long dbSizeBytes, long revision, String version) {
    }

    /**
     * Reads the member list, then each member's own status through its first client URL.
     *
     * @throws IllegalStateException while a member has not published its client URLs (just started): ask again
     */
    public static EtcdMembers read(Client client, Duration timeout) throws Exception {
        List<Member> members = new ArrayList<>();
        for (io.etcd.jetcd.cluster.Member member : client.getClusterClient().listMember()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS).getMembers()) {
            if (member.getClientURIs().isEmpty()) {
                // a member that joined but has not yet published its attributes: not serving yet
                throw new IllegalStateException("etcd member " + (member.getName().isEmpty() ? member.getId() : member.getName())
                        + " has not published its client URLs yet");
            }
            StatusResponse status = client.getMaintenanceClient().statusMember(member.getClientURIs().get(0).toString())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            members.add(new Member(member.getName(), status.getHeader().getClusterId(), status.getDbSize(),
                    status.getHeader().getRevision(), status.getVersion()));
        }
        return new EtcdMembers(List.copyOf(members));
    }

    public long largestDbSizeBytes() {
        return members.stream().mapToLong(Member::dbSizeBytes).max().orElse(0);
    }

    public long highestRevision() {
        return members.stream().mapToLong(Member::revision).max().orElse(0);
    }

    /**
     * What differs from a cluster freshly restored from one snapshot: every member reporting the same
     * cluster ID, exactly the members {@code expectedNames}, and a revision of at least
     * {@code minimumRevision} (the snapshot's revision plus the bump). Empty when nothing differs.
     */
    public List<String> differencesFrom(List<String> expectedNames, long minimumRevision) {
        List<String> differences = new ArrayList<>();
        List<String> names = members.stream().map(Member::name).sorted().toList();
        if (!names.equals(expectedNames.stream().sorted().toList())) {
            differences.add("the member list is " + names + ", expected " + expectedNames);
        }
        List<String> clusterIds = members.stream().map(m -> Long.toHexString(m.clusterId())).distinct().toList();
        if (clusterIds.size() > 1) {
            differences.add("members report different cluster IDs: " + members.stream()
                    .map(m -> m.name() + "=" + Long.toHexString(m.clusterId())).toList());
        }
        members.stream().filter(m -> m.revision() < minimumRevision).forEach(m -> differences.add(
                m.name() + " is at revision " + m.revision() + ", not past the bump (" + minimumRevision + ")"));
        return differences;
    }
}
