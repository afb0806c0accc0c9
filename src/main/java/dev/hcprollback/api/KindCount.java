package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How many etcd keys of one resource kind changed since the snapshot. */
public class KindCount {

    @JsonPropertyDescription("The resource, as etcd keys name it, e.g. configmaps.")
    private String resource;
    @JsonPropertyDescription("How many keys of it changed since the snapshot.")
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
