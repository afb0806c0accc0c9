package dev.hcprollback.hypershift;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Base of every HyperShift model class: the project names only the fields it reads, but a write
 * must hand back every field HyperShift (or a newer HyperShift) put there, so unnamed fields are
 * kept as they came and serialised again unchanged.
 */
public abstract class KeepsUnknownFields {

    @JsonIgnore
    private final Map<String, Object> unknownFields = new LinkedHashMap<>();

    @JsonAnyGetter
    public Map<String, Object> getUnknownFields() {
        return unknownFields;
    }

    @JsonAnySetter
    public void setUnknownField(String name, Object value) {
        unknownFields.put(name, value);
    }
}
