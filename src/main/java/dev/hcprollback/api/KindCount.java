package dev.hcprollback.api;

/** How many etcd keys of one resource kind changed since the snapshot. */
public class KindCount {

    private String resource;
    private long count;

    public KindCount() {
    }

    public KindCount(String resource, long count) {
        this.resource = resource;
        this.count = count;
    }

    public String getResource() {
        return resource;
    }

    public void setResource(String resource) {
        this.resource = resource;
    }

    public long getCount() {
        return count;
    }

    public void setCount(long count) {
        this.count = count;
    }

    @Override
    public String toString() {
        return resource + "=" + count;
    }
}
